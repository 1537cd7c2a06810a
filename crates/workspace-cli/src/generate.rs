//! What `wks` writes about itself: shell completion scripts and man pages, both made from its
//! command line's definition, so that they always match it.

use std::io;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::args::Cli;
use crate::sink::Sink;

/// `wks completions SHELL`: the completion script for `shell`, on stdout.
pub(crate) fn completions(shell: Shell, sink: &Sink) -> io::Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "wks", &mut script);
    sink.write(&script, 0)?;
    sink.flush()
}

/// `wks man-pages DIR`: a man page for `wks` and one for each of its commands (`wks.1`,
/// `wks-connections-list.1`, ...), written into `dir`, which is made when missing.
pub(crate) fn man_pages(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(Cli::command(), dir)
}
