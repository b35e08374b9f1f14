//! The few messages of Aptos' Transaction Stream (`aptos.indexer.v1.RawData`)
//! the follower reads, written by hand with the protos' field numbers
//! (`aptos/indexer/v1/raw_data.proto`, `filter.proto`,
//! `aptos/transaction/v1/transaction.proto`, `aptos/util/timestamp`).
//!
//! Only the fields the follower needs are declared: prost skips every other
//! field on the wire without building it (a user transaction's payload and
//! signature, a transaction's write set), so most of a mainnet transaction
//! is never allocated. The same structs encode, for the loopback server in
//! the tests.

/// `aptos.indexer.v1.GetTransactionsRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GetTransactionsRequest {
    /// The first version to send.
    #[prost(uint64, optional, tag = "1")]
    pub starting_version: Option<u64>,
    /// How many to send (`None`: an endless stream).
    #[prost(uint64, optional, tag = "2")]
    pub transactions_count: Option<u64>,
    /// Transactions per response the client would like.
    #[prost(uint64, optional, tag = "3")]
    pub batch_size: Option<u64>,
    /// Send only the transactions this matches.
    #[prost(message, optional, tag = "4")]
    pub transaction_filter: Option<BooleanTransactionFilter>,
}

/// `aptos.indexer.v1.TransactionsResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TransactionsResponse {
    /// Its transactions, in version order.
    #[prost(message, repeated, tag = "1")]
    pub transactions: Vec<Transaction>,
    /// The chain the server is on.
    #[prost(uint64, optional, tag = "2")]
    pub chain_id: Option<u64>,
    /// The versions the server looked at for this response (a filtered
    /// stream sends only those that matched). The node's own service sends none.
    #[prost(message, optional, tag = "3")]
    pub processed_range: Option<ProcessedRange>,
}

/// `aptos.indexer.v1.ProcessedRange`: inclusive.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct ProcessedRange {
    /// The first version looked at.
    #[prost(uint64, tag = "1")]
    pub first_version: u64,
    /// The last version looked at.
    #[prost(uint64, tag = "2")]
    pub last_version: u64,
}

/// `aptos.transaction.v1.Transaction`, its events wherever the kind of
/// transaction keeps them (the `txn_data` oneof is read as the plain fields
/// it is on the wire).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Transaction {
    /// Its block's time.
    #[prost(message, optional, tag = "1")]
    pub timestamp: Option<Timestamp>,
    /// Its version.
    #[prost(uint64, tag = "2")]
    pub version: u64,
    /// Its hash and outcome.
    #[prost(message, optional, tag = "3")]
    pub info: Option<TransactionInfo>,
    /// A block metadata transaction's events.
    #[prost(message, optional, tag = "7")]
    pub block_metadata: Option<EventsInField3>,
    /// The genesis transaction's events.
    #[prost(message, optional, tag = "8")]
    pub genesis: Option<EventsInField2>,
    /// A user transaction's events.
    #[prost(message, optional, tag = "10")]
    pub user: Option<EventsInField2>,
    /// A validator transaction's events.
    #[prost(message, optional, tag = "21")]
    pub validator: Option<EventsInField3>,
}

/// `aptos.util.timestamp.Timestamp`.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct Timestamp {
    /// Seconds since the epoch.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// And nanoseconds.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `aptos.transaction.v1.TransactionInfo`: its hash and outcome.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TransactionInfo {
    /// The transaction's hash.
    #[prost(bytes = "vec", tag = "1")]
    pub hash: Vec<u8>,
    /// Whether it executed successfully.
    #[prost(bool, tag = "6")]
    pub success: bool,
}

/// `UserTransaction` and `GenesisTransaction`: events are field 2.
#[derive(Clone, PartialEq, prost::Message)]
pub struct EventsInField2 {
    /// Its events.
    #[prost(message, repeated, tag = "2")]
    pub events: Vec<Event>,
}

/// `BlockMetadataTransaction` and `ValidatorTransaction`: events are field 3.
#[derive(Clone, PartialEq, prost::Message)]
pub struct EventsInField3 {
    /// Its events.
    #[prost(message, repeated, tag = "3")]
    pub events: Vec<Event>,
}

/// `aptos.transaction.v1.Event`: its type as text and its data as JSON text.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Event {
    /// Its data, JSON.
    #[prost(string, tag = "4")]
    pub data: String,
    /// Its type, as the node writes it (`0x1::coin::Deposit`).
    #[prost(string, tag = "5")]
    pub type_str: String,
}

/// `aptos.indexer.v1.BooleanTransactionFilter` (only its `api_filter` arm).
#[derive(Clone, PartialEq, prost::Message)]
pub struct BooleanTransactionFilter {
    /// A single filter.
    #[prost(message, optional, tag = "1")]
    pub api_filter: Option<ApiFilter>,
}

/// `aptos.indexer.v1.APIFilter` (only its `event_filter` arm).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ApiFilter {
    /// Transactions with an event matching this.
    #[prost(message, optional, tag = "3")]
    pub event_filter: Option<EventFilter>,
}

/// `aptos.indexer.v1.EventFilter`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct EventFilter {
    /// The event's type.
    #[prost(message, optional, tag = "1")]
    pub struct_type: Option<MoveStructTagFilter>,
}

/// `aptos.indexer.v1.MoveStructTagFilter`: unset parts match anything.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MoveStructTagFilter {
    /// The type's address.
    #[prost(string, optional, tag = "1")]
    pub address: Option<String>,
    /// Its module.
    #[prost(string, optional, tag = "2")]
    pub module: Option<String>,
    /// Its name.
    #[prost(string, optional, tag = "3")]
    pub name: Option<String>,
}

impl Transaction {
    /// Its events, whatever kind of transaction it is.
    pub fn events(&self) -> &[Event] {
        if let Some(user) = &self.user {
            return &user.events;
        }
        if let Some(block) = &self.block_metadata {
            return &block.events;
        }
        if let Some(genesis) = &self.genesis {
            return &genesis.events;
        }
        self.validator
            .as_ref()
            .map(|validator| validator.events.as_slice())
            .unwrap_or_default()
    }
}
