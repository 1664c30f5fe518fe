//! `ScorerSpec`: which scorer grades a task, as written in a task file's `scorer` field.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The scorer of a task. In a task file it is a name (`"exact"`, `"contains"`, `"numeric"`,
/// `"set_f1"`, `"json_field"`, or the name of a custom scorer) or an object with a `kind` and the
/// scorer's settings, for example `{"kind": "numeric", "tolerance": 0.5}`. A task without one is
/// scored with [`ScorerSpec::Exact`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScorerSpec {
    /// The normalised answer equals the normalised expected value.
    #[default]
    Exact,
    /// The normalised answer contains the normalised expected value.
    Contains,
    /// The first number in the answer is within `tolerance` of the expected number.
    Numeric {
        /// Largest accepted difference (absolute, or a fraction of the expected value when
        /// `relative`). Default 0.
        #[serde(default)]
        tolerance: f64,
        /// Whether `tolerance` is relative to the expected value. Default false.
        #[serde(default)]
        relative: bool,
    },
    /// F1 between the sets of items of the answer and of the expected value, split on `separator`.
    SetF1 {
        /// What separates items. Default `,`.
        #[serde(default = "default_separator")]
        separator: String,
    },
    /// The answer is a JSON object whose `fields` (dotted paths; default: every field of the
    /// expected object) equal the expected object's; the score is the share of fields that match.
    JsonField {
        /// The fields compared.
        #[serde(default)]
        fields: Vec<String>,
    },
    /// A scorer registered by the program running the evaluation (see `Scorers::with`).
    Custom {
        /// Its registered name.
        name: String,
        /// Settings passed to it as they are.
        #[serde(default, skip_serializing_if = "Value::is_null")]
        params: Value,
    },
}

fn default_separator() -> String {
    ",".to_owned()
}

impl ScorerSpec {
    /// A spec from a bare name: a built-in scorer with its default settings, or a custom scorer.
    pub fn from_name(name: &str) -> Self {
        match name {
            "exact" => Self::Exact,
            "contains" => Self::Contains,
            "numeric" => Self::Numeric {
                tolerance: 0.0,
                relative: false,
            },
            "set_f1" => Self::SetF1 {
                separator: default_separator(),
            },
            "json_field" => Self::JsonField { fields: Vec::new() },
            other => Self::Custom {
                name: other.to_owned(),
                params: Value::Null,
            },
        }
    }

    /// The scorer's name (`exact`, `set_f1`, ... or the custom scorer's name).
    pub fn name(&self) -> &str {
        match self {
            Self::Exact => "exact",
            Self::Contains => "contains",
            Self::Numeric { .. } => "numeric",
            Self::SetF1 { .. } => "set_f1",
            Self::JsonField { .. } => "json_field",
            Self::Custom { name, .. } => name,
        }
    }
}

/// The object form, as serde derives it.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum Tagged {
    Exact {},
    Contains {},
    Numeric {
        #[serde(default)]
        tolerance: f64,
        #[serde(default)]
        relative: bool,
    },
    SetF1 {
        #[serde(default = "default_separator")]
        separator: String,
    },
    JsonField {
        #[serde(default)]
        fields: Vec<String>,
    },
    Custom {
        name: String,
        #[serde(default)]
        params: Value,
    },
}

impl<'de> Deserialize<'de> for ScorerSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Name(String),
            Object(Tagged),
        }
        let spec = match Form::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom(
                "a scorer is a name (exact, contains, numeric, set_f1, json_field, or a custom scorer's name) or an object with a known `kind` and its settings",
            )
        })? {
            Form::Name(name) => Self::from_name(&name),
            Form::Object(Tagged::Exact {}) => Self::Exact,
            Form::Object(Tagged::Contains {}) => Self::Contains,
            Form::Object(Tagged::Numeric {
                tolerance,
                relative,
            }) => Self::Numeric {
                tolerance,
                relative,
            },
            Form::Object(Tagged::SetF1 { separator }) => Self::SetF1 { separator },
            Form::Object(Tagged::JsonField { fields }) => Self::JsonField { fields },
            Form::Object(Tagged::Custom { name, params }) => Self::Custom { name, params },
        };
        if let Self::Numeric { tolerance, .. } = &spec
            && !(tolerance.is_finite() && *tolerance >= 0.0)
        {
            return Err(serde::de::Error::custom(
                "a numeric scorer's tolerance must be a finite number >= 0",
            ));
        }
        if let Self::SetF1 { separator } = &spec
            && separator.is_empty()
        {
            return Err(serde::de::Error::custom(
                "a set_f1 scorer's separator must not be empty",
            ));
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::ScorerSpec;

    fn parse(json: &str) -> Result<ScorerSpec, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn names_and_objects_parse_and_round_trip() {
        assert_eq!(parse(r#""exact""#).ok(), Some(ScorerSpec::Exact));
        assert_eq!(
            parse(r#"{"kind": "numeric", "tolerance": 0.5}"#).ok(),
            Some(ScorerSpec::Numeric {
                tolerance: 0.5,
                relative: false
            })
        );
        assert_eq!(
            parse(r#""set_f1""#).ok(),
            Some(ScorerSpec::SetF1 {
                separator: ",".into()
            })
        );
        assert_eq!(
            parse(r#""mine""#).ok().map(|s| s.name().to_owned()),
            Some("mine".into())
        );
        let spec = ScorerSpec::SetF1 {
            separator: ";".into(),
        };
        let json = serde_json::to_string(&spec).unwrap_or_default();
        assert_eq!(parse(&json).ok(), Some(spec));
    }

    #[test]
    fn bad_specs_are_refused() {
        assert!(parse(r#"{"kind": "numeric", "tolerance": -1}"#).is_err());
        assert!(parse(r#"{"kind": "set_f1", "separator": ""}"#).is_err());
        assert!(parse(r#"{"kind": "nope"}"#).is_err());
        assert!(parse(r#"{"kind": "exact", "typo": 1}"#).is_err());
        assert!(parse("3").is_err());
    }
}
