import GRDB

/// The schema, as an append-only list of migrations. Never edit a shipped migration; add one.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 ids, interactions, state, offsets, dead letters, registry") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    user_index INTEGER PRIMARY KEY,
                    user_id TEXT NOT NULL UNIQUE
                );
                CREATE TABLE tracks (
                    item_index INTEGER PRIMARY KEY,
                    track_id TEXT NOT NULL UNIQUE,
                    title TEXT, artist TEXT, album TEXT, genres TEXT, duration_ms INTEGER
                );
                -- Append-only listening history: the graph and sequence models train on it.
                CREATE TABLE listens (
                    id INTEGER PRIMARY KEY,
                    user_index INTEGER NOT NULL,
                    item_index INTEGER NOT NULL,
                    ts_ms INTEGER NOT NULL,
                    ms_played INTEGER, duration_ms INTEGER, skipped INTEGER,
                    device TEXT, source TEXT,
                    src_partition INTEGER NOT NULL, src_offset INTEGER NOT NULL
                );
                CREATE INDEX listens_by_user_time ON listens(user_index, ts_ms);
                CREATE TABLE notification_events (
                    id INTEGER PRIMARY KEY,
                    user_index INTEGER NOT NULL,
                    notification_id TEXT NOT NULL,
                    action TEXT NOT NULL,
                    ts_ms INTEGER NOT NULL,
                    kind TEXT,
                    src_partition INTEGER NOT NULL, src_offset INTEGER NOT NULL
                );
                CREATE INDEX notification_events_by_user_time ON notification_events(user_index, ts_ms);
                -- Every decision Encore made, keyed by its deterministic id.
                CREATE TABLE notification_decisions (
                    decision_id TEXT PRIMARY KEY,
                    request_id TEXT NOT NULL,
                    user_index INTEGER NOT NULL,
                    notification_id TEXT NOT NULL,
                    request_ts_ms INTEGER NOT NULL,
                    action TEXT NOT NULL,
                    send_at_ms INTEGER,
                    p_open REAL NOT NULL,
                    model TEXT NOT NULL,
                    reason TEXT NOT NULL
                );
                CREATE TABLE user_states (
                    user_index INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    generation INTEGER NOT NULL,
                    updated_ts_ms INTEGER NOT NULL,
                    state BLOB NOT NULL,
                    PRIMARY KEY (user_index, kind)
                ) WITHOUT ROWID;
                CREATE TABLE consumed_offsets (
                    group_id TEXT NOT NULL,
                    topic TEXT NOT NULL,
                    partition INTEGER NOT NULL,
                    next_offset INTEGER NOT NULL,
                    updated_ms INTEGER NOT NULL,
                    PRIMARY KEY (group_id, topic, partition)
                ) WITHOUT ROWID;
                CREATE TABLE dead_letters (
                    id INTEGER PRIMARY KEY,
                    dead_letter_id TEXT NOT NULL,
                    group_id TEXT NOT NULL,
                    topic TEXT NOT NULL,
                    partition INTEGER NOT NULL,
                    "offset" INTEGER NOT NULL,
                    reason TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    message_key BLOB,
                    message_value BLOB NOT NULL,
                    recorded_ms INTEGER NOT NULL
                );
                CREATE TABLE model_registry (
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    created_ms INTEGER NOT NULL,
                    status TEXT NOT NULL DEFAULT 'candidate',
                    metadata_json TEXT NOT NULL,
                    blob BLOB NOT NULL,
                    PRIMARY KEY (name, version)
                );
                """)
        }
        migrator.registerMigration("v2 model promotion log") { db in
            // Every promotion in order, so that a rollback knows which generation was serving
            // before; a rolled-back promotion keeps its row with the time it was undone.
            try db.execute(sql: """
                CREATE TABLE model_promotions (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    promoted_ms INTEGER NOT NULL,
                    rolled_back_ms INTEGER
                );
                CREATE INDEX model_promotions_by_name ON model_promotions(name, id);
                """)
        }
        return migrator
    }
}
