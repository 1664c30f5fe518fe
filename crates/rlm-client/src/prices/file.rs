//! Price files: a [`PriceTable`] read from TOML or JSON (`models.<id>.input`, `cached_input`,
//! `cache_write`, `output`, USD per million tokens), with errors that name the file, the line and the
//! model.
//!
//! ```toml
//! [models."gpt-4.1-mini"]
//! input = 0.40
//! cached_input = 0.10
//! output = 1.60
//!
//! [models.my-local-model]
//! input = 0
//! output = 0
//! ```
//!
//! `input` and `output` are required, `cached_input` and `cache_write` optional (charged at the input
//! price when missing); every value is a number of USD per million tokens, 0 or more. Any other key is
//! an error, so a misspelt one is not silently ignored. The JSON form is the same document:
//! `{"models": {"gpt-4.1-mini": {"input": 0.4, "cached_input": 0.1, "output": 1.6}}}`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{Price, PriceTable};

/// Why a price file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PriceFileError {
    /// The file could not be read.
    #[error("could not read the prices file {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file name ends in neither `.toml` nor `.json`.
    #[error("the prices file {} must end in .toml or .json", .path.display())]
    Format {
        /// The file.
        path: PathBuf,
    },
    /// The text is not valid TOML or JSON, or not a valid price document.
    #[error("{origin}, line {line}: {message}")]
    Invalid {
        /// The file, or `TOML prices` / `JSON prices` for text given directly.
        origin: String,
        /// The line (1-based) of the error.
        line: usize,
        /// What is wrong, naming the model when the error is inside one.
        message: String,
    },
}

impl PriceTable {
    /// Reads a price file, TOML or JSON by its extension (`.toml`, `.json`). The table holds only the
    /// file's entries: merge it into [`PriceTable::built_in`] to extend the built-in prices.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PriceFileError> {
        let path = path.as_ref();
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let parse: fn(&str, String) -> Result<Self, PriceFileError> = match extension.as_deref() {
            Some("toml") => parse_toml,
            Some("json") => parse_json,
            _ => {
                return Err(PriceFileError::Format {
                    path: path.to_owned(),
                });
            }
        };
        let text = std::fs::read_to_string(path).map_err(|source| PriceFileError::Read {
            path: path.to_owned(),
            source,
        })?;
        parse(&text, path.display().to_string())
    }

    /// Parses a price document in TOML (see [`PriceTable::from_file`]).
    ///
    /// ```
    /// use rlm_client::PriceTable;
    /// let table = PriceTable::from_toml_str("[models.m]\ninput = 1\ncached_input = 0.1\noutput = 2\n")?;
    /// assert_eq!(table.get("m").unwrap().cached_input_price(), 0.1);
    /// let error = PriceTable::from_toml_str("[models.m]\ninput = 1\n").unwrap_err();
    /// assert_eq!(error.to_string(), "TOML prices, line 1: model \"m\": missing `output`");
    /// # Ok::<(), rlm_client::PriceFileError>(())
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Self, PriceFileError> {
        parse_toml(text, "TOML prices".to_owned())
    }

    /// Parses a price document in JSON (see [`PriceTable::from_file`]).
    pub fn from_json_str(text: &str) -> Result<Self, PriceFileError> {
        parse_json(text, "JSON prices".to_owned())
    }
}

fn parse_toml(text: &str, origin: String) -> Result<PriceTable, PriceFileError> {
    toml::from_str::<Document>(text)
        .map(Document::into_table)
        .map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            let line = text
                .get(..offset)
                .map_or(1, |before| before.matches('\n').count() + 1);
            PriceFileError::Invalid {
                origin,
                line,
                message: error.message().trim().to_owned(),
            }
        })
}

fn parse_json(text: &str, origin: String) -> Result<PriceTable, PriceFileError> {
    serde_json::from_str::<Document>(text)
        .map(Document::into_table)
        .map_err(|error| {
            let full = error.to_string();
            let position = format!(" at line {} column {}", error.line(), error.column());
            PriceFileError::Invalid {
                origin,
                line: error.line().max(1),
                message: full.strip_suffix(&position).unwrap_or(&full).to_owned(),
            }
        })
}

/// The whole document: `models` and nothing else.
struct Document {
    models: Models,
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a price document: a `models` table with one entry per model")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut models = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "models" || models.is_some() {
                return Err(de::Error::custom(format!(
                    "unexpected top-level key `{key}`; a price document holds only `models`, e.g. [models.\"gpt-4.1-mini\"]"
                )));
            }
            models = Some(map.next_value::<Models>()?);
        }
        let models = models.ok_or_else(|| {
            de::Error::custom("no `models` table; write e.g. [models.\"gpt-4.1-mini\"] with input = ... and output = ...")
        })?;
        Ok(Document { models })
    }
}

impl Document {
    fn into_table(self) -> PriceTable {
        let mut table = PriceTable::new();
        for (model, price) in self.models.0 {
            table.insert(model, price);
        }
        table
    }
}

/// The `models` table: one entry per model id.
struct Models(BTreeMap<String, Price>);

impl<'de> Deserialize<'de> for Models {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ModelsVisitor)
    }
}

struct ModelsVisitor;

impl<'de> Visitor<'de> for ModelsVisitor {
    type Value = Models;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of models, each with its prices")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Models, A::Error> {
        let mut models = BTreeMap::new();
        while let Some(model) = map.next_key::<String>()? {
            if model.trim().is_empty() {
                return Err(de::Error::custom("a model id is empty"));
            }
            let price = map.next_value_seed(EntrySeed { model: &model })?;
            if models.insert(model.clone(), price).is_some() {
                return Err(de::Error::custom(format!("model {model:?} is given twice")));
            }
        }
        Ok(Models(models))
    }
}

/// The keys of one model's entry.
const FIELDS: [&str; 4] = ["input", "cached_input", "cache_write", "output"];

/// One model's entry, parsed knowing the model's id (for the error messages).
struct EntrySeed<'a> {
    model: &'a str,
}

impl<'de> DeserializeSeed<'de> for EntrySeed<'_> {
    type Value = Price;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Price, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EntrySeed<'_> {
    type Value = Price;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "model {:?} to be a table of prices (input, output, optionally cached_input and cache_write)",
            self.model
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Price, A::Error> {
        let mut values: [Option<f64>; 4] = [None; 4];
        while let Some(key) = map.next_key::<String>()? {
            let Some(index) = FIELDS.iter().position(|f| *f == key) else {
                // Refused while reading the value, so the error points at its line.
                return map.next_value_seed(Refuse(format!(
                    "model {:?}: unknown key `{key}`; the keys are input, cached_input, cache_write and output",
                    self.model
                )));
            };
            let value = map.next_value_seed(UsdSeed {
                model: self.model,
                key: FIELDS[index],
            })?;
            if values[index].replace(value).is_some() {
                return Err(de::Error::custom(format!(
                    "model {:?}: `{key}` is given twice",
                    self.model
                )));
            }
        }
        let [input, cached_input, cache_write, output] = values;
        let missing =
            |key: &str| de::Error::custom(format!("model {:?}: missing `{key}`", self.model));
        let mut price = Price::new(
            input.ok_or_else(|| missing("input"))?,
            output.ok_or_else(|| missing("output"))?,
        );
        price.cached_input_per_million = cached_input;
        price.cache_write_per_million = cache_write;
        Ok(price)
    }
}

/// Refuses any value with its message (an error raised while the value is read carries its position).
struct Refuse(String);

impl<'de> DeserializeSeed<'de> for Refuse {
    type Value = Price;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Price, D::Error> {
        de::IgnoredAny::deserialize(deserializer)?;
        Err(de::Error::custom(self.0))
    }
}

/// One price: a number of USD per million tokens, 0 or more.
struct UsdSeed<'a> {
    model: &'a str,
    key: &'a str,
}

impl UsdSeed<'_> {
    fn check<E: de::Error>(&self, value: f64) -> Result<f64, E> {
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(E::custom(format!(
                "model {:?}: `{}` is {value}; a price is a number of USD per million tokens, 0 or more",
                self.model, self.key
            )))
        }
    }
}

impl<'de> DeserializeSeed<'de> for UsdSeed<'_> {
    type Value = f64;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<f64, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for UsdSeed<'_> {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "model {:?}: `{}` to be a number of USD per million tokens",
            self.model, self.key
        )
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<f64, E> {
        self.check(value)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<f64, E> {
        self.check(value as f64)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<f64, E> {
        self.check(value as f64)
    }
}

#[cfg(test)]
mod tests;
