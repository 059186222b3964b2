-- Room automation: occupancy state and guest flags per room, as staff, the
-- kiosk or the device last set them. Gone with the room.
CREATE TABLE room_occupancy (
    room             TEXT PRIMARY KEY NOT NULL REFERENCES room(id) ON DELETE CASCADE,
    -- vacant | booked | occupied | checked_out; NULL until first set.
    state            TEXT,
    check_in_ms      INTEGER,
    state_changed_ms INTEGER NOT NULL,
    do_not_disturb   INTEGER NOT NULL DEFAULT 0,
    make_up_room     INTEGER NOT NULL DEFAULT 0,
    updated_by       TEXT    NOT NULL,
    updated_ms       INTEGER NOT NULL
) WITHOUT ROWID;
