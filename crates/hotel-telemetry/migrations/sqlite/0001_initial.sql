-- Raw readings: one row per room, metric and device timestamp (ms), so a
-- re-delivered message is ignored rather than duplicated.
CREATE TABLE reading (
    room   TEXT    NOT NULL,
    metric INTEGER NOT NULL,
    ts     INTEGER NOT NULL,
    value  REAL    NOT NULL,
    PRIMARY KEY (room, metric, ts)
) WITHOUT ROWID;

-- Hourly rollups, kept longer than raw readings; history over long ranges
-- reads these instead of the raw rows.
CREATE TABLE rollup_hour (
    room   TEXT    NOT NULL,
    metric INTEGER NOT NULL,
    hour   INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    sum    REAL    NOT NULL,
    min    REAL    NOT NULL,
    max    REAL    NOT NULL,
    PRIMARY KEY (room, metric, hour)
) WITHOUT ROWID;

CREATE TABLE room (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT,
    state        TEXT NOT NULL DEFAULT '{}',
    light_mode   TEXT,
    brightness   INTEGER,
    last_seen_ms INTEGER,
    online       INTEGER
) WITHOUT ROWID;

CREATE TABLE user (
    username      TEXT PRIMARY KEY NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    room          TEXT,
    expires_ms    INTEGER,
    disabled      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE session (
    token_sha256 TEXT PRIMARY KEY NOT NULL,
    username     TEXT NOT NULL REFERENCES user(username) ON DELETE CASCADE,
    expires_ms   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE device (
    username      TEXT PRIMARY KEY NOT NULL,
    room          TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE command (
    id      INTEGER PRIMARY KEY,
    room    TEXT    NOT NULL,
    name    TEXT    NOT NULL,
    payload TEXT    NOT NULL,
    sent_by TEXT    NOT NULL,
    sent_ms INTEGER NOT NULL
);
CREATE INDEX command_by_room ON command (room, sent_ms);
