//! The database: SQLite by default (one file, nothing to install), PostgreSQL
//! when `DATABASE_URL` starts with `postgres://` (several gateway replicas
//! share it). Both run the same migrations (`migrations/`, portable SQL) and
//! the same queries through sqlx's `Any` driver: `$1` placeholders, `TEXT`
//! and `BIGINT` columns, `ON CONFLICT`, `CAST(SUM(..) AS BIGINT)`.
/// A stored value that is not one of the enum's names.
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {value:?} in the database")]
pub struct UnknownValue {
    what: &'static str,
    value: String,
}

/// Enums stored as their names in `TEXT` columns (payments', refunds' and holds').
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// The name stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::store::UnknownValue;

            fn try_from(value: String) -> Result<Self, $crate::store::UnknownValue> {
                match value.as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::store::UnknownValue { what: $what, value }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod audit_log;
pub mod compliance;
pub mod holds;
pub mod kek;
pub mod leases;
pub mod merchants;
pub mod payments;
pub mod pos;
pub mod rate_limits;
pub mod reviews;
pub mod sequences;
pub mod tax_refunds;
pub mod travel_rule;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

/// How long a request waits for the database's write lock before it answers
/// 503 `DATABASE_BUSY` (where waiting would only hold a client up).
pub const WRITE_WAIT: Duration = Duration::from_secs(2);

/// The migrations embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names neither SQLite nor PostgreSQL.
    #[error("DATABASE_URL must start with sqlite: or postgres:// (got scheme {0:?})")]
    UnsupportedUrl(String),
    /// Connecting or migrating failed.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A pool on one database, migrated.
#[derive(Debug, Clone)]
pub struct Db {
    /// The pool.
    pub pool: AnyPool,
    /// Which database.
    pub backend: Backend,
    /// The last write probe and when it ran ([`Db::can_write`]).
    write_probe: std::sync::Arc<std::sync::Mutex<Option<(std::time::Instant, bool)>>>,
}

/// How long a write probe's answer is reused: `/readyz` is public, and each
/// probe takes SQLite's write lock for a moment, so a flood of readiness
/// checks must not become a flood of lock takers.
const WRITE_PROBE_REUSE: Duration = Duration::from_secs(1);

impl Db {
    /// Opens (creating an SQLite file if needed) and migrates the database at `url`.
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let scheme = url.split(':').next().unwrap_or_default();
        let (backend, url) = match scheme {
            "sqlite" => {
                let url = if url.contains("mode=") {
                    url.to_owned()
                } else if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                };
                (Backend::Sqlite, url)
            }
            "postgres" | "postgresql" => (Backend::Postgres, url.to_owned()),
            other => return Err(StoreError::UnsupportedUrl(other.to_owned())),
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            // One writer at a time in SQLite: WAL lets readers go on while a
            // writer holds the lock, and the busy timeout queues writers.
            options = options.max_connections(8).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    // Deleted rows are overwritten, not left in free pages: a
                    // copy of the file holds no trace of a purged session or
                    // of answers saved before they were sealed.
                    conn.execute("PRAGMA secure_delete = ON").await?;
                    Ok(())
                })
            });
        } else {
            options = options.max_connections(16);
        }
        let pool = options.connect(&url).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            backend,
            write_probe: Default::default(),
        })
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and then
    /// writes fails with "database is locked" when another writer committed
    /// in between, instead of waiting its turn.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Whether a writer gets the write lock within [`WRITE_WAIT`]: reads go
    /// on while another writer holds SQLite's lock, so `ping` alone would call
    /// a stuck database ready.
    pub async fn can_write(&self) -> bool {
        if let Some((at, answer)) = *self.write_probe.lock().expect("probe lock")
            && at.elapsed() < WRITE_PROBE_REUSE
        {
            return answer;
        }
        let answer = self.probe_write().await;
        *self.write_probe.lock().expect("probe lock") = Some((std::time::Instant::now(), answer));
        answer
    }

    async fn probe_write(&self) -> bool {
        let probe = async {
            let tx = self.begin().await?;
            tx.rollback().await
        };
        matches!(tokio::time::timeout(WRITE_WAIT, probe).await, Ok(Ok(())))
    }
}
