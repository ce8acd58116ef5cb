-- Staff in name order (issue 15): the plan page's list of people reads the users in this index's
-- order with their memberships by primary key, so it needs no sort or temporary table per page.
CREATE INDEX user_name ON user(name);
