//! The hidden concurrency limit (`max_in_flight`): sub requests over it get 429 with `Retry-After: 0`
//! at once, counted as rate limited; root requests are never limited.

use std::time::{Duration, Instant};

use rlm_sim::server::{SimServer, SimServerConfig};
use serde_json::{Value, json};

async fn post(client: &reqwest::Client, base: &str, body: Value) -> (u16, Option<String>, Value) {
    let response = client
        .post(format!("{base}/chat/completions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, retry_after, response.json().await.unwrap())
}

#[tokio::test]
async fn sub_requests_over_the_hidden_limit_are_refused_at_once() {
    let server = SimServer::start(SimServerConfig {
        sub_latency: Duration::from_millis(400),
        root_latency: Duration::from_millis(400),
        max_in_flight: Some(3),
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let base = server.base_url();
    let sub = |i: usize| json!({"model": "sim-sub", "messages": [{"role": "user", "content": format!("chunk {i}")}]});
    let admitted: Vec<_> = (0..3).map(|i| post(&client, &base, sub(i))).collect();
    let late = async {
        // Let the first three arrive, then send two more and a root turn.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let started = Instant::now();
        let (status, retry_after, body) = post(&client, &base, sub(3)).await;
        assert!(
            started.elapsed() < Duration::from_millis(300),
            "a refusal waits for no latency"
        );
        assert_eq!((status, retry_after.as_deref()), (429, Some("0")));
        assert_eq!(body["error"]["code"], "rate_limit_exceeded");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("Rate limit reached")),
            "{body}"
        );
        assert_eq!(post(&client, &base, sub(4)).await.0, 429);
        let root = json!({"model": "sim-root-batch", "messages": [
            {"role": "system", "content": "Answer with llm_query and FINAL."},
            {"role": "user", "content": "q"}]});
        post(&client, &base, root).await.0
    };
    let (admitted, root_status) = tokio::join!(futures::future::join_all(admitted), late);
    let statuses: Vec<u16> = admitted.into_iter().map(|r| r.0).collect();
    assert_eq!(statuses, [200, 200, 200]);
    assert_eq!(root_status, 200, "root turns are not limited");
    let stats = server.stats();
    assert_eq!(
        (
            stats.rate_limited,
            stats.sub_requests,
            stats.peak_concurrent_sub
        ),
        (2, 3, 3)
    );
    // The slots are free again.
    assert_eq!(post(&client, &base, sub(5)).await.0, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn a_limit_of_zero_is_refused() {
    let err = SimServer::start(SimServerConfig {
        max_in_flight: Some(0),
        ..SimServerConfig::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("max_in_flight is 0"), "{err}");
}
