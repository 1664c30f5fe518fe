//! The simulated server over loopback: round trips, errors, latency, concurrency, shutdown.

use std::time::{Duration, Instant};

use rlm_sim::server::{SimServer, SimServerConfig, SimServerHandle};
use serde_json::{Value, json};

async fn server(root_ms: u64, sub_ms: u64) -> SimServerHandle {
    SimServer::start(SimServerConfig {
        root_latency: Duration::from_millis(root_ms),
        sub_latency: Duration::from_millis(sub_ms),
        ..SimServerConfig::default()
    })
    .await
    .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn chat(client: &reqwest::Client, base: &str, body: &Value) -> (u16, Value) {
    let response = client
        .post(format!("{base}/chat/completions"))
        .bearer_auth("sk-test-secret-123")
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn sub_body(prompt: &str) -> Value {
    json!({"model": "sim-sub", "messages": [{"role": "user", "content": prompt}]})
}

#[tokio::test]
async fn chat_completion_round_trip_has_the_openai_shape() {
    let server = server(0, 0).await;
    assert_eq!(server.base_url(), format!("http://{}/v1", server.addr()));
    let prompt = "filler\nThe magic number is 48213907.\nfiller";
    let (status, body) = chat(&client(), &server.base_url(), &sub_body(prompt)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["id"].as_str().unwrap().starts_with("chatcmpl-"));
    assert_eq!(body["object"], "chat.completion");
    assert!(body["created"].as_u64().unwrap() > 1_600_000_000);
    assert_eq!(body["model"], "sim-sub");
    assert_eq!(body["choices"][0]["message"]["role"], "assistant");
    assert_eq!(body["choices"][0]["message"]["content"], "MAGIC: 48213907");
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    let usage = &body["usage"];
    assert_eq!(
        usage["prompt_tokens"],
        (prompt.chars().count() as u64).div_ceil(4)
    );
    assert_eq!(usage["completion_tokens"], 4);
    assert_eq!(
        usage["total_tokens"].as_u64().unwrap(),
        usage["prompt_tokens"].as_u64().unwrap() + usage["completion_tokens"].as_u64().unwrap()
    );
    assert_eq!(server.requests_served(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn root_request_gets_the_root_script() {
    let server = server(0, 0).await;
    let body = json!({"model": "sim-root-sequential-c4", "messages": [
        {"role": "system", "content": "Use the REPL; llm_query(prompt); FINAL(answer)."},
        {"role": "user", "content": "Query: magic numbers"},
        {"role": "assistant", "content": "```repl\nprint(1)\n```"},
        {"role": "user", "content": [{"type": "text", "text": "SIM_STEP_1_OK"}]},
    ], "temperature": 0.0, "max_tokens": 1000});
    let (status, body) = chat(&client(), &server.base_url(), &body).await;
    assert_eq!(status, 200, "{body}");
    let content = body["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(content.contains("const n_chunks = 4;") && content.contains("llm_query(prompt)"));
    let stats = server.stats();
    assert_eq!((stats.root_requests, stats.sub_requests), (1, 0));
    server.shutdown().await;
}

#[tokio::test]
async fn malformed_requests_get_400_in_the_openai_error_shape() {
    let server = server(0, 0).await;
    let client = client();
    let url = format!("{}/chat/completions", server.base_url());
    let bad_bodies = [
        "not json at all".to_owned(),
        r#"{"model": "sim"}"#.to_owned(),
        r#"{"model": "sim", "messages": []}"#.to_owned(),
        r#"{"messages": [{"role": "user", "content": "x"}]}"#.to_owned(),
    ];
    for bad in bad_bodies {
        let response = client
            .post(&url)
            .bearer_auth("sk-test-secret-123")
            .header("content-type", "application/json")
            .body(bad.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{bad}");
        let text = response.text().await.unwrap();
        assert!(
            !text.contains("sk-test-secret-123"),
            "the key leaked into {text}"
        );
        let body: Value = serde_json::from_str(&text).unwrap();
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert!(body["error"]["code"].is_string());
    }
    let response = client
        .get(format!("{}/nope", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    let stats = server.stats();
    assert_eq!((stats.requests_served, stats.rejected), (0, 5));
    server.shutdown().await;
}

#[tokio::test]
async fn models_are_listed() {
    let server = server(0, 0).await;
    let body: Value = client()
        .get(format!("{}/models", server.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["object"], "list");
    let ids: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"sim-root-batch") && ids.contains(&"sim-root-sequential"));
    server.shutdown().await;
}

#[tokio::test]
async fn large_bodies_are_accepted() {
    let server = server(0, 0).await;
    let chunk = format!(
        "{}\nThe magic number is 77777777.\n{}",
        "word ".repeat(400_000),
        "more ".repeat(400_000)
    );
    let (status, body) = chat(&client(), &server.base_url(), &sub_body(&chunk)).await;
    assert_eq!(status, 200);
    assert_eq!(body["choices"][0]["message"]["content"], "MAGIC: 77777777");
    server.shutdown().await;
}

#[tokio::test]
async fn latency_is_honoured_per_turn_kind() {
    let server = server(50, 300).await;
    let client = client();
    let started = Instant::now();
    chat(&client, &server.base_url(), &sub_body("x")).await;
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "sub answered after {:?}",
        started.elapsed()
    );
    let root = json!({"model": "sim-root-batch", "messages": [
        {"role": "system", "content": "REPL with llm_query and FINAL"}, {"role": "user", "content": "q"}]});
    let started = Instant::now();
    chat(&client, &server.base_url(), &root).await;
    assert!(
        started.elapsed() >= Duration::from_millis(50),
        "root answered after {:?}",
        started.elapsed()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn concurrent_sub_requests_overlap_and_are_counted() {
    let latency = Duration::from_millis(500);
    let server = server(0, latency.as_millis() as u64).await;
    let client = client();
    let base = server.base_url();
    let started = Instant::now();
    let calls: Vec<_> = (0..8)
        .map(|i| {
            let (client, base) = (client.clone(), base.clone());
            let body = sub_body(&format!("The magic number is 1000000{i}."));
            tokio::spawn(async move { chat(&client, &base, &body).await })
        })
        .collect();
    for (i, call) in calls.into_iter().enumerate() {
        let (status, body) = call.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(
            body["choices"][0]["message"]["content"],
            format!("MAGIC: 1000000{i}")
        );
    }
    let elapsed = started.elapsed();
    // Eight 500 ms requests one after the other would take 4 s; overlapping, far less.
    assert!(
        elapsed < latency * 8 / 2,
        "8 concurrent requests took {elapsed:?}"
    );
    assert_eq!(server.requests_served(), 8);
    let peak = server.peak_concurrent_sub();
    assert!((4..=8).contains(&peak), "peak concurrency {peak}");
    server.shutdown().await;
}

#[tokio::test]
async fn sequential_sub_requests_peak_at_one() {
    let server = server(0, 10).await;
    let client = client();
    for _ in 0..3 {
        chat(&client, &server.base_url(), &sub_body("x")).await;
    }
    assert_eq!(server.peak_concurrent_sub(), 1);
    assert_eq!(server.stats().sub_requests, 3);
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_is_graceful_and_frees_the_port() {
    let server = server(0, 300).await;
    let addr = server.addr();
    let client = client();
    // Warm a keep-alive connection, then start a request and shut down while it is in flight.
    chat(&client, &server.base_url(), &sub_body("x")).await;
    let in_flight = {
        let (client, base) = (client.clone(), server.base_url());
        tokio::spawn(async move {
            chat(&client, &base, &sub_body("The magic number is 12121212.")).await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    server.shutdown().await;
    assert!(
        started.elapsed() < rlm_sim::server::SHUTDOWN_GRACE,
        "shutdown took {:?}",
        started.elapsed()
    );
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(
        (status, body["choices"][0]["message"]["content"].as_str()),
        (200, Some("MAGIC: 12121212"))
    );
    assert!(
        client
            .get(format!("http://{addr}/v1/models"))
            .send()
            .await
            .is_err(),
        "still serving"
    );
    // The port can be bound again.
    let again = SimServer::start(SimServerConfig {
        addr,
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    again.shutdown().await;
}

#[tokio::test]
async fn bind_errors_name_the_address() {
    let first = server(0, 0).await;
    let taken = first.addr();
    let error = SimServer::start(SimServerConfig {
        addr: taken,
        ..SimServerConfig::default()
    })
    .await
    .unwrap_err();
    assert!(error.to_string().contains(&taken.to_string()), "{error}");
    first.shutdown().await;
}

#[tokio::test]
async fn faults_answer_every_kth_sub_request_with_the_chosen_status() {
    let server = SimServer::start(SimServerConfig {
        root_latency: Duration::ZERO,
        sub_latency: Duration::ZERO,
        faults: vec!["3:500".parse().unwrap(), "5:429:1.5".parse().unwrap()],
        ..SimServerConfig::default()
    })
    .await
    .unwrap();
    let client = client();
    let mut seen = Vec::new();
    for _ in 0..10 {
        let response = client
            .post(format!("{}/chat/completions", server.base_url()))
            .json(&sub_body("The magic number is 1234567."))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let retry = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let retry_ms = response
            .headers()
            .get("retry-after-ms")
            .map(|v| v.to_str().unwrap().to_owned());
        let body: Value = response.json().await.unwrap();
        if status != 200 {
            assert_eq!(body["error"]["code"], "simulated_fault", "{body}");
        }
        seen.push((status, retry, retry_ms));
    }
    let statuses: Vec<u16> = seen.iter().map(|s| s.0).collect();
    assert_eq!(statuses, [200, 200, 500, 200, 429, 500, 200, 200, 500, 429]);
    assert_eq!(
        seen[4].1.as_deref(),
        Some("2"),
        "1.5 s rounds up to 2 whole seconds"
    );
    assert_eq!(seen[4].2.as_deref(), Some("1500"));
    assert_eq!(seen[2].1, None);
    // Root turns are never faulted.
    let root = json!({"model": "sim-root", "messages": [
        {"role": "system", "content": "You have a REPL with `context`, llm_query; end with FINAL."},
        {"role": "user", "content": "q"}]});
    for _ in 0..6 {
        assert_eq!(chat(&client, &server.base_url(), &root).await.0, 200);
    }
    let stats = server.stats();
    assert_eq!((stats.faults, stats.sub_requests), (5, 5));
    server.shutdown().await;
}
