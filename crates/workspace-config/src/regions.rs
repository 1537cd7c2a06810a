//! Endpoint overrides per region: `HUAWEICLOUD_SDK_REGION_WORKSPACE_{ID}`, then `regions.yaml`.

use workspace_core::{ConfigError, ConfigOrigin, Endpoint};
use yaml_rust2::{Yaml, YamlLoader};

use crate::environment::{Environment, read_text};

/// The variable that names the regions file.
pub const REGIONS_FILE_VAR: &str = "HUAWEICLOUD_SDK_REGIONS_FILE";

/// The variable that overrides a region's endpoints (comma-separated).
pub fn region_var(region: &str) -> String {
    format!("HUAWEICLOUD_SDK_REGION_WORKSPACE_{}", region.to_ascii_uppercase().replace('-', "_"))
}

/// Checks each endpoint of an override; the error names where it came from.
fn checked(list: Vec<String>, origin: &ConfigOrigin) -> Result<Vec<String>, ConfigError> {
    for url in &list {
        Endpoint::parse(url).map_err(|e| e.with_origin(origin.clone()))?;
    }
    Ok(list)
}

/// A region's endpoints from an override, checked, with where they came from.
pub(crate) fn overridden(env: &dyn Environment, region: &str) -> Result<Option<(Vec<String>, String)>, ConfigError> {
    let var = region_var(region);
    if let Some(v) = env.var(&var)? {
        let list: Vec<String> = v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
        let origin = ConfigOrigin::Variable(var.clone());
        if list.is_empty() {
            return Err(ConfigError::invalid_secret(var.as_str(), "holds no endpoint").with_origin(origin));
        }
        return Ok(Some((checked(list, &origin)?, var)));
    }
    let (path, named) = crate::environment::file_path(env, REGIONS_FILE_VAR, "regions.yaml");
    let Some(path) = path else { return Ok(None) };
    let by = named.then_some(REGIONS_FILE_VAR);
    let Some(text) = read_text(env, &path, "regions file", by)? else { return Ok(None) };
    let docs = YamlLoader::load_from_str(&text).map_err(|e| ConfigError::Parse {
        file: "regions file".into(),
        path: path.clone(),
        what: "YAML".into(),
        source: e.into(),
    })?;
    let Some(entries) = docs.first().and_then(|d| d["WORKSPACE"].as_vec()) else { return Ok(None) };
    for entry in entries {
        if entry["id"].as_str() != Some(region) {
            continue;
        }
        let mut list: Vec<String> = match &entry["endpoints"] {
            Yaml::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        };
        if list.is_empty() {
            list.extend(entry["endpoint"].as_str().map(str::to_owned));
        }
        let origin = ConfigOrigin::File { path: path.clone(), section: Some(format!("WORKSPACE {region}")) };
        if list.is_empty() {
            return Err(ConfigError::invalid_secret("the region", "has no endpoint").with_origin(origin));
        }
        return Ok(Some((checked(list, &origin)?, path.display().to_string())));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MapEnvironment;

    #[test]
    fn variable_names() {
        assert_eq!(region_var("cn-north-4"), "HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4");
    }

    #[test]
    fn the_variable_wins_over_the_file() {
        let yaml = "WORKSPACE:\n  - id: cn-north-4\n    endpoint: https://from-file.example.com\n";
        let env = MapEnvironment::new().home("/h").file("/h/.huaweicloud/regions.yaml", yaml);
        assert_eq!(overridden(&env, "cn-north-4").unwrap().unwrap().0, ["https://from-file.example.com"]);
        let env =
            env.var("HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4", "https://a.example.com, https://b.example.com");
        let (list, from) = overridden(&env, "cn-north-4").unwrap().unwrap();
        assert_eq!((list.len(), from.as_str()), (2, "HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4"));
    }

    #[test]
    fn several_endpoints_in_the_file() {
        let yaml = "WORKSPACE:\n  - id: eu-west-101\n    endpoints:\n      - https://one.example.com\n      - https://two.example.com\n  - id: cn-east-3\n    endpoint: https://x.example.com\n";
        let env = MapEnvironment::new().var(REGIONS_FILE_VAR, "/r.yaml").file("/r.yaml", yaml);
        assert_eq!(
            overridden(&env, "eu-west-101").unwrap().unwrap().0,
            ["https://one.example.com", "https://two.example.com"]
        );
        assert_eq!(overridden(&env, "cn-south-1").unwrap(), None);
        let missing = MapEnvironment::new().var(REGIONS_FILE_VAR, "/nope.yaml");
        let err = overridden(&missing, "x").unwrap_err().to_string();
        assert!(
            err.contains("cannot read the regions file /nope.yaml (named by HUAWEICLOUD_SDK_REGIONS_FILE)"),
            "{err}"
        );
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let yaml = "\u{feff}WORKSPACE:\n  - id: cn-north-4\n    endpoint: https://from-file.example.com\n";
        let env = MapEnvironment::new().home("/h").file("/h/.huaweicloud/regions.yaml", yaml);
        assert_eq!(overridden(&env, "cn-north-4").unwrap().unwrap().0, ["https://from-file.example.com"]);
    }

    #[test]
    fn a_bad_endpoint_is_named_with_where_it_came_from() {
        let yaml = "WORKSPACE:\n  - id: cn-north-4\n    endpoints: [https://ok.example.com, ftp://bad.example.com]\n";
        let env = MapEnvironment::new().home("/h").file("/h/.huaweicloud/regions.yaml", yaml);
        let err = overridden(&env, "cn-north-4").unwrap_err().to_string();
        assert!(
            err.contains(
                "the file /h/.huaweicloud/regions.yaml [WORKSPACE cn-north-4]: endpoint \"ftp://bad.example.com\""
            ),
            "{err}"
        );
        let env = env.var("HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4", "https://ok.example.com,http://10.0.0.1");
        let err = overridden(&env, "cn-north-4").unwrap_err().to_string();
        assert!(err.contains("HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4: endpoint \"http://10.0.0.1\""), "{err}");
    }
}
