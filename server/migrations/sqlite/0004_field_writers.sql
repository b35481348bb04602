-- JSON object: field name -> the device that last changed it through sync. A device's later
-- edit was made on top of its own earlier ones, so those are never its conflicts (SYNC.md).
ALTER TABLE models ADD COLUMN field_writers TEXT NOT NULL DEFAULT '{}';
