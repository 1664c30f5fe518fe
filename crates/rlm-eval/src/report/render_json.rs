//! The JSON rendering: the whole report, machine-readable; numbers as numbers, `null` where
//! there is none (never NaN).

use serde_json::Value;

use super::Report;

/// Version of the report's JSON layout, written as `v`.
const REPORT_SCHEMA_VERSION: u32 = 1;

/// The report as JSON.
pub(crate) fn render(report: &Report) -> Value {
    // serde_json turns a non-finite float into `null`, so no NaN can get through.
    let mut value = serde_json::to_value(report).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("v".into(), REPORT_SCHEMA_VERSION.into());
        map.insert("warnings".into(), report.warnings().into());
    }
    value
}
