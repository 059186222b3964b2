-- Hourly rollups are now summed per batch by the writer (one upsert per
-- room, metric and hour instead of one per reading). Rollups kept by the
-- trigger so far stay as they are.
DROP TRIGGER IF EXISTS reading_rollup;
