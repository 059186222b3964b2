-- Fold each newly inserted reading into its hourly rollup inside SQLite.
-- INSERT OR IGNORE skips repeated readings without firing the trigger, so a
-- re-delivered message is counted once, and no row travels back to the
-- application to be aggregated there.
CREATE TRIGGER reading_rollup AFTER INSERT ON reading
BEGIN
    INSERT INTO rollup_hour (room, metric, hour, count, sum, min, max)
    VALUES (NEW.room, NEW.metric, (NEW.ts / 3600000) * 3600000, 1, NEW.value, NEW.value, NEW.value)
    ON CONFLICT (room, metric, hour) DO UPDATE SET
        count = count + 1,
        sum = sum + excluded.sum,
        min = MIN(min, excluded.min),
        max = MAX(max, excluded.max);
END;
