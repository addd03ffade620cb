//! The inventory of the feature files: every scenario (Scenario Outlines expanded exactly as
//! cucumber expands them), its tags and its steps. The report lists scenarios that did not run
//! from here, the expectations check is validated against it, and the features lint uses it.

use std::fmt;
use std::path::{Path, PathBuf};

use cucumber::feature::Ext as _;
use cucumber::gherkin::{self, GherkinEnv};

/// Identifies one scenario (one example of an outline): its feature file relative to the
/// features directory (with `/` separators) and its line (for an outline example, the line
/// cucumber assigns to the example row).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScenarioKey {
    pub feature: String,
    pub line: usize,
}

impl fmt::Display for ScenarioKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.feature, self.line)
    }
}

/// One scenario of the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioInfo {
    pub key: ScenarioKey,
    pub name: String,
    /// Feature, rule and scenario tags (examples tags included), without `@`.
    pub tags: Vec<String>,
    /// Step texts, background steps first.
    pub steps: Vec<String>,
}

/// Problems loading the features.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read the features directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot parse {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

/// Every scenario under a features directory.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub root: PathBuf,
    pub scenarios: Vec<ScenarioInfo>,
}

impl Catalog {
    /// Parses every `*.feature` file under `root` (recursively, in path order).
    pub fn load(root: &Path) -> Result<Self, CatalogError> {
        let mut files = Vec::new();
        collect_features(root, &mut files)?;
        files.sort();
        let mut scenarios = Vec::new();
        for path in files {
            let feature = gherkin::Feature::parse_path(&path, GherkinEnv::default())
                .map_err(|e| CatalogError::Parse {
                    path: path.clone(),
                    message: e.to_string(),
                })?
                .expand_examples()
                .map_err(|e| CatalogError::Parse {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            let rel = relative_feature_path(root, &path);
            scenarios.extend(scenarios_of(&rel, &feature));
        }
        Ok(Self {
            root: root.to_path_buf(),
            scenarios,
        })
    }

    /// The scenario with that key.
    pub fn get(&self, key: &ScenarioKey) -> Option<&ScenarioInfo> {
        self.scenarios.iter().find(|s| &s.key == key)
    }
}

fn collect_features(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CatalogError> {
    let io = |source| CatalogError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            collect_features(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "feature") {
            out.push(path);
        }
    }
    Ok(())
}

/// `path` relative to `root` with `/` separators; the file name if `path` is elsewhere.
pub fn relative_feature_path(root: &Path, path: &Path) -> String {
    let rel: PathBuf = match path.strip_prefix(root) {
        Ok(rel) => rel.to_path_buf(),
        Err(_) => root
            .canonicalize()
            .ok()
            .zip(path.canonicalize().ok())
            .and_then(|(root, path)| path.strip_prefix(&root).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| path.file_name().map(PathBuf::from).unwrap_or_default()),
    };
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// All tags that apply to a scenario: feature, rule, then scenario tags.
pub fn merged_tags(
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    scenario: &gherkin::Scenario,
) -> Vec<String> {
    feature
        .tags
        .iter()
        .chain(rule.iter().flat_map(|r| &r.tags))
        .chain(&scenario.tags)
        .cloned()
        .collect()
}

fn scenarios_of(rel: &str, feature: &gherkin::Feature) -> Vec<ScenarioInfo> {
    let info = |rule: Option<&gherkin::Rule>, sc: &gherkin::Scenario| {
        let background = feature
            .background
            .iter()
            .chain(rule.and_then(|r| r.background.as_ref()))
            .flat_map(|b| &b.steps);
        ScenarioInfo {
            key: ScenarioKey {
                feature: rel.to_owned(),
                line: sc.position.line,
            },
            name: sc.name.clone(),
            tags: merged_tags(feature, rule, sc),
            steps: background
                .chain(&sc.steps)
                .map(|s| s.value.clone())
                .collect(),
        }
    };
    let mut out: Vec<ScenarioInfo> = feature.scenarios.iter().map(|s| info(None, s)).collect();
    for rule in &feature.rules {
        out.extend(rule.scenarios.iter().map(|s| info(Some(rule), s)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
@wip
Feature: Sample
  Background:
    Given a folder with 3 messages

  @R-136
  Scenario: One (MS-OXCFXICS 3.1.5.2)
    When the client synchronizes contents with an empty state

  @R-070
  Scenario Outline: Type <t> fails (MS-OXCFXICS 3.2.5.9.1.1)
    When the client configures a synchronization of type <t>

    Examples:
      | t    |
      | 0x00 |
      | 0x04 |
";

    #[test]
    fn expands_outlines_like_cucumber_and_merges_tags() {
        let dir = std::env::temp_dir().join(format!("ics-catalog-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/sample.feature"), SAMPLE).unwrap();
        std::fs::write(dir.join("notes.txt"), "not a feature").unwrap();
        let catalog = Catalog::load(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        let names: Vec<_> = catalog.scenarios.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "One (MS-OXCFXICS 3.1.5.2)",
                "Type 0x00 fails (MS-OXCFXICS 3.2.5.9.1.1)",
                "Type 0x04 fails (MS-OXCFXICS 3.2.5.9.1.1)"
            ]
        );
        let one = &catalog.scenarios[0];
        assert_eq!(one.key.to_string(), "sub/sample.feature:7");
        assert_eq!(one.tags, ["wip", "R-136"]);
        assert_eq!(
            one.steps,
            [
                "a folder with 3 messages",
                "the client synchronizes contents with an empty state"
            ]
        );
        // Example rows: the Examples keyword is on line 14, the rows on lines 16 and 17.
        assert_eq!(catalog.scenarios[1].key.line, 16);
        assert_eq!(catalog.scenarios[2].key.line, 17);
        assert_eq!(
            catalog.scenarios[2].steps[1],
            "the client configures a synchronization of type 0x04"
        );
    }

    #[test]
    fn a_parse_error_names_the_file() {
        let dir = std::env::temp_dir().join(format!("ics-catalog-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("bad.feature"),
            "Feature: x\n  Scenario Outline: y\n    Given a <b>\n\n    Examples:\n      | c |\n      | 1 |\n",
        )
        .unwrap();
        let err = Catalog::load(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(&err, CatalogError::Parse { path, .. } if path.ends_with("bad.feature")));
    }

    #[test]
    fn relative_paths_use_slashes() {
        assert_eq!(
            relative_feature_path(
                Path::new("/a/features"),
                Path::new("/a/features/x/y.feature")
            ),
            "x/y.feature"
        );
        assert_eq!(
            relative_feature_path(Path::new("/a/features"), Path::new("/elsewhere/y.feature")),
            "y.feature"
        );
    }
}
