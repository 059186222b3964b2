-- Alerts: one row per condition of a room, from raised to cleared. At most
-- one open alert per room and kind, enforced by the partial unique index.
CREATE TABLE alert (
    id              INTEGER PRIMARY KEY,
    room            TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    level           TEXT    NOT NULL,
    message         TEXT    NOT NULL,
    value           REAL,
    started_ms      INTEGER NOT NULL,
    ended_ms        INTEGER,
    acknowledged_by TEXT,
    acknowledged_ms INTEGER
);
CREATE UNIQUE INDEX alert_open_per_room_kind ON alert (room, kind) WHERE ended_ms IS NULL;
CREATE INDEX alert_by_start ON alert (started_ms);

-- Threshold overrides set by admins: scope '' is the hotel, otherwise a
-- room id; the value is a JSON object of the overridden fields.
CREATE TABLE alert_threshold (
    scope     TEXT PRIMARY KEY NOT NULL,
    overrides TEXT NOT NULL
) WITHOUT ROWID;

-- Every notification on every channel, for the notification centre.
CREATE TABLE notification (
    id         INTEGER PRIMARY KEY,
    channel    TEXT    NOT NULL,
    alert_id   INTEGER,
    room       TEXT,
    text       TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
