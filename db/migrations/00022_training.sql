-- Off-campus training institutions (package training): the supervised
-- account their prepaid fees must go into, and the checks of reported
-- charges against the prepaid-fee rules (教监管函〔2021〕2号).

-- +goose Up
-- One supervised account per institution (a school of type 'training').
CREATE TABLE training_account (
    school_code TEXT PRIMARY KEY REFERENCES school (code),
    county_code TEXT NOT NULL,
    kind        TEXT NOT NULL,             -- bank_custody | risk_deposit
    bank        TEXT NOT NULL,
    account_no  TEXT NOT NULL,
    deposit_fen BIGINT NOT NULL DEFAULT 0, -- the risk deposit held, in fen (risk_deposit only)
    since       TEXT NOT NULL,             -- the day the supervision agreement took effect
    version     INTEGER NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE INDEX training_account_county ON training_account (county_code);

-- Every charge or course package checked, with what it broke; a violation
-- may have opened a supervision case (case_id).
CREATE TABLE training_charge_check (
    id          BIGINT PRIMARY KEY,
    school_code TEXT NOT NULL REFERENCES school (code),
    county_code TEXT NOT NULL,
    charged_on  TEXT NOT NULL,
    input       TEXT NOT NULL,             -- JSON: the charge as reported
    violations  TEXT NOT NULL,             -- JSON: the rules it breaks; [] when none
    case_id     BIGINT REFERENCES case_file (id),
    checked_at  TIMESTAMP NOT NULL,
    checked_by  TEXT NOT NULL
);
CREATE INDEX training_charge_check_school ON training_charge_check (school_code, checked_at);

-- +goose Down
DROP TABLE training_charge_check;
DROP TABLE training_account;
