//! What a program gives shells and `man`, checked with the real tools: a bash completion script
//! loaded into bash and asked to complete, and a man page rendered by man-db. bash and man-db
//! are installed by `.ci/run`; without them these checks fail, saying so.

use std::path::Path;
use std::process::Command;

/// `program`, which must be installed (from Debian's `package`).
///
/// # Panics
/// When `program` is not on the `PATH`.
pub fn tool(program: &str, package: &str) -> Command {
    let found = Command::new("sh").args(["-c", &format!("command -v {program}")]).output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "{program} is needed by this test: install Debian's {package} (.ci/run does)"
    );
    Command::new(program)
}

/// What bash offers for `words` (the command's name first, the last word the one completed),
/// with the completion `script` registers for `words[0]`.
///
/// # Panics
/// When bash is missing, the script registers no completion for the command, or bash fails.
pub fn bash_complete(script: &Path, words: &[&str]) -> Vec<String> {
    assert!(words.len() >= 2, "a command and the word completed");
    let (command, cur, prev) = (words[0], words[words.len() - 1], words[words.len() - 2]);
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let driver = format!(
        "source '{script}' || exit 9
spec=$(complete -p '{command}') || exit 8
function=$(printf '%s' \"$spec\" | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE=\"${{COMP_WORDS[*]}}\"
COMP_POINT=${{#COMP_LINE}}
\"$function\" '{command}' '{cur}' '{prev}'
printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script = script.display(),
        words = quoted.join(" "),
        cword = words.len() - 1,
    );
    let o = tool("bash", "bash").args(["--norc", "--noprofile", "-c", &driver]).output().expect("bash runs");
    assert!(o.status.success(), "bash exited with {:?}: {}", o.status.code(), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect()
}

/// The man page at `page` as `man` shows it, 80 columns wide; it must render without a warning
/// and have a NAME and a SYNOPSIS that name the page.
///
/// # Panics
/// When man-db is missing, warns, fails, or the page lacks its sections.
pub fn render_man(page: &Path) -> String {
    let o = tool("man", "man-db")
        .args(["--warnings", "-l"])
        .arg(page)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("man runs");
    let (text, warnings) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success() && warnings.is_empty(), "{}: {warnings}", page.display());
    let name = page.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    assert!(text.contains("NAME") && text.contains("SYNOPSIS") && text.contains(&*name), "{}:\n{text}", page.display());
    text.into_owned()
}
