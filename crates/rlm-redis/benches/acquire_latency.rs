//! What the shared quota costs per call: the latency of one acquire on a loopback `redis-server`
//! (started here on a free port; the bench says so and exits when none is installed) against the
//! in-process limiter, as median and p99 over many acquires that never wait (a quota far above the
//! rate). Run: `cargo bench -p rlm-redis --bench acquire_latency`.

use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rlm_client::{InProcessQuota, RateLimits, SharedQuota};
use rlm_redis::{RedisQuota, RedisQuotaConfig};

const SAMPLES: usize = 20_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let Ok(mut server) = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
    else {
        eprintln!("acquire_latency: redis-server is not on PATH; nothing measured");
        return Ok(());
    };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            return Err("redis-server did not listen".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let result = runtime.block_on(measure(port));
    let _ = server.kill();
    let _ = server.wait();
    result
}

async fn measure(port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let limits = RateLimits::default()
        .with_requests_per_minute(u32::MAX / 2)
        .with_tokens_per_minute(u32::MAX / 2);
    let in_process: Arc<dyn SharedQuota> = Arc::new(InProcessQuota::new(limits)?);
    let redis = RedisQuota::connect(
        RedisQuotaConfig::new(format!("redis://127.0.0.1:{port}"))
            .with_rate_limits(limits)
            .with_max_concurrent(Some(1_000_000)),
    )
    .await?;
    let redis: Arc<dyn SharedQuota> = Arc::new(redis);
    println!("acquire latency, {SAMPLES} samples each, loopback redis-server (one connection)");
    report(
        "in-process request (rpm + tpm)",
        &sample(|| request(&in_process)).await?,
    );
    report(
        "redis request (rpm + tpm, one EVALSHA)",
        &sample(|| request(&redis)).await?,
    );
    report(
        "redis slot (take a lease; release is async)",
        &sample(|| slot(&redis)).await?,
    );
    Ok(())
}

async fn request(quota: &Arc<dyn SharedQuota>) -> Result<(), rlm_client::ClientError> {
    let latest = tokio::time::Instant::now() + Duration::from_secs(5);
    quota.acquire_request("bench", 100, latest, &|| {}).await
}

async fn slot(quota: &Arc<dyn SharedQuota>) -> Result<(), rlm_client::ClientError> {
    let latest = tokio::time::Instant::now() + Duration::from_secs(5);
    quota.acquire_slot("bench", latest).await.map(drop)
}

async fn sample<F, Fut>(mut once: F) -> Result<Vec<Duration>, rlm_client::ClientError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), rlm_client::ClientError>>,
{
    for _ in 0..500 {
        once().await?; // warm-up: connection, script cache
    }
    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        once().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times)
}

fn report(what: &str, times: &[Duration]) {
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "{what:<46} median {:>8.1} µs   p99 {:>8.1} µs",
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6
    );
}
