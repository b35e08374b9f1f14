//! Running many setup jobs with bounded concurrency and progress.
use super::*;

/// Runs `job(i)` for every i in 0..n, at most `limit` at once, printing
/// progress; fails naming how many failed and the first few errors.
pub(super) async fn each<F, Fut>(what: &str, n: usize, limit: usize, job: F) -> Result<()>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    run_each(what, n, limit, true, job).await.map(drop)
}

/// [`each`] that keeps every job's output, in index order.
pub(super) async fn run_each<T, F, Fut>(
    what: &str,
    n: usize,
    limit: usize,
    progress: bool,
    job: F,
) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit));
    let mut tasks = JoinSet::new();
    let mut outputs: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let mut failures = Vec::new();
    let progress_every = (n / 5).max(1);
    let mut finished = 0;
    let mut record = |joined: (usize, Result<T>)| {
        finished += 1;
        if progress && n >= 50 && finished % progress_every == 0 {
            println!("bench setup:   {what}: {finished}/{n}");
        }
        match joined {
            (index, Ok(output)) => outputs[index] = Some(output),
            (index, Err(error)) => failures.push((index, error)),
        }
    };
    for index in 0..n {
        let permit = Arc::clone(&permits).acquire_owned().await?;
        let work = job(index);
        tasks.spawn(async move {
            let _permit = permit;
            (index, work.await)
        });
        while let Some(joined) = tasks.try_join_next() {
            record(joined.context("a task panicked")?);
        }
    }
    while let Some(joined) = tasks.join_next().await {
        record(joined.context("a task panicked")?);
    }
    if failures.is_empty() {
        return Ok(outputs.into_iter().flatten().collect());
    }
    failures.sort_by_key(|(index, _)| *index);
    let first: Vec<String> = failures
        .iter()
        .take(3)
        .map(|(index, error)| format!("#{index}: {error:#}"))
        .collect();
    bail!(
        "{what}: {} of {n} failed; the first:\n{}",
        failures.len(),
        first.join("\n")
    )
}
