-- Since when each model has had its status (issue 14: drafts left idle, returns unanswered).
-- The server stamps it on every change of status from now on; models changed before it did
-- get the day of their last change, which is never earlier than their last change of status:
-- a draft is then counted as idle no sooner than it really was.
UPDATE models SET data = (data::jsonb || jsonb_build_object('status_since', updated_at))::text
WHERE NOT (data::jsonb ? 'status_since');
