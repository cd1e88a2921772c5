-- chexinstruct catalogue, schema version 12 (= CX_SCHEMA_VERSION).
--
-- The four levels of CheXinstruct are the keys: capability -> task -> dataset
-- -> instance, with the task-dataset entries between task and dataset.
-- Facts (images, studies, labels, boxes, report sections, questions and
-- answers) are stored as released; instruction text is never stored, it is
-- rendered from templates/ when needed. Every fact row keeps its provenance
-- (file inside the release, line or record number).
--
-- References are documented with REFERENCES but not enforced (no PRAGMA
-- foreign_keys): rebuilding a source deletes its rows explicitly, table by
-- table (builder/catalogue/cat-write.c), which is much faster on big sources.
--
-- The version lives in PRAGMA user_version; a catalogue of another version is
-- refused. Changing this file means bumping CX_SCHEMA_VERSION in
-- builder/catalogue/catalogue.h (see CONTRIBUTING.md).

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE capability (
	id    INTEGER PRIMARY KEY,
	name  TEXT NOT NULL UNIQUE,   -- e.g. coarse-image-understanding
	title TEXT NOT NULL
);

CREATE TABLE task (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,  -- = templates/<name>.txt
	title         TEXT NOT NULL,
	capability_id INTEGER NOT NULL REFERENCES capability(id)
);

CREATE TABLE dataset (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,  -- display name, e.g. MIMIC-CXR
	source        TEXT NOT NULL UNIQUE,  -- adapter id, e.g. mimic-cxr
	versions      TEXT NOT NULL,
	license       TEXT NOT NULL,
	access        TEXT NOT NULL,         -- public | credentialed
	release       TEXT NOT NULL,         -- the folder or archive read, as --sources named it
	-- Where it was read: its absolute path (shard reads the images there, so
	-- shard runs from any folder; shard --sources DIR finds a moved copy
	-- instead) and the folder build ran in. Neither is in the fingerprint.
	release_path  TEXT NOT NULL DEFAULT '',
	build_dir     TEXT NOT NULL DEFAULT '',
	-- Whose study and patient ids the source's are: its own id, or the source
	-- it borrows them from (a CXR-LT or MS-CXR adapter says mimic-cxr), so
	-- that the sharder's split hygiene sees one study, not two.
	id_space      TEXT NOT NULL,
	-- The source whose release holds its image files: its own id, or the
	-- lender of a source that borrows another's images (CXR-LT and MS-CXR-T
	-- label MIMIC-CXR's: their image rows are copies of MIMIC-CXR's, whose
	-- files lie in MIMIC-CXR's release; builder/catalogue/cat-write.c).
	image_source  TEXT NOT NULL,
	-- The vocabulary of its label sets (vocab.name), or NULL when it has none.
	vocab         TEXT REFERENCES vocab(name),
	rows_read     INTEGER NOT NULL DEFAULT 0,
	rows_kept     INTEGER NOT NULL DEFAULT 0,
	rows_rejected INTEGER NOT NULL DEFAULT 0,
	rows_filtered INTEGER NOT NULL DEFAULT 0
);

-- Label vocabularies, as the adapters declare them (builder/vocab/): written
-- at the start of each source's build (builder/catalogue/cat-vocab.c), one row
-- per vocabulary however many sources share it, and handed to the renderer
-- with every instance, which reads its labels by them.
CREATE TABLE vocab (
	name   TEXT PRIMARY KEY,             -- e.g. chexpert
	title  TEXT NOT NULL,                -- e.g. CheXpert
	absent TEXT NOT NULL                 -- a label a record leaves out is: negative | unknown
);

CREATE TABLE vocab_label (
	vocab     TEXT NOT NULL REFERENCES vocab(name),
	ord       INTEGER NOT NULL,          -- 0-based, the release's order
	name      TEXT NOT NULL,             -- as released: the key in labels JSON
	display   TEXT NOT NULL,             -- in lists and options: Pleural Thickening
	noun      TEXT NOT NULL,             -- singular, in running text: mass
	plural    TEXT NOT NULL,             -- masses
	article   TEXT NOT NULL,             -- a | an | '' (a mass noun)
	role      TEXT NOT NULL,             -- finding | none (No Finding) | other (a catch-all)
	uncertain INTEGER NOT NULL,          -- what a released -1 is read as: 1, 0 or -1
	PRIMARY KEY (vocab, ord)
) WITHOUT ROWID;

-- A task-dataset entry: "[Image Classification] [MIMIC-CXR]".
CREATE TABLE entry (
	id         INTEGER PRIMARY KEY,
	task_id    INTEGER NOT NULL REFERENCES task(id),
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	derive     TEXT NOT NULL,            -- the derivation rule (adapters/adapter.h)
	held_out   INTEGER NOT NULL DEFAULT 0,
	UNIQUE (task_id, dataset_id)
);

CREATE TABLE study (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	key        TEXT NOT NULL,
	patient    TEXT,
	split      TEXT NOT NULL DEFAULT '', -- train | val | test
	labels     TEXT,                     -- JSON object {"Edema": 1, ...}, blanks left out
	hrank      INTEGER NOT NULL,         -- xxHash of the key: a seeded, stable order
	src_file   TEXT,
	src_line   INTEGER,
	UNIQUE (dataset_id, key)
);
CREATE INDEX study_rank ON study(dataset_id, split, hrank);

CREATE TABLE image (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	key        TEXT NOT NULL,
	study_id   INTEGER REFERENCES study(id),
	archive    TEXT NOT NULL DEFAULT '', -- archive file inside the release, or ''
	path       TEXT NOT NULL,            -- file or member path inside it
	width      INTEGER,                  -- from the image header when probed,
	height     INTEGER,                  --   else from release metadata
	bit_depth  INTEGER,
	pixel_hash INTEGER,                  -- build --hash-images: XXH3-64 of the decoded,
	dhash      INTEGER,                  --   normalised pixels and their 64-bit dHash
	view       TEXT,
	patient    TEXT,
	split      TEXT NOT NULL DEFAULT '',
	sex        TEXT,
	age        INTEGER,
	race       TEXT,
	labels     TEXT,                     -- JSON object, image-level labels
	hrank      INTEGER NOT NULL,
	src_file   TEXT,
	src_line   INTEGER,
	-- The view normalised across sources: 'PA', 'AP' (AP supine and
	-- PadChest's AP_horizontal are APs), 'LATERAL' (LATERAL, LL and RL, the
	-- left and right laterals, LAT, L, XTABLE LATERAL: `view` keeps which),
	-- 'OTHER' for any other released view (oblique, decubitus, AP AXIAL,
	-- swimmer's, ...), NULL where the release gives none. `view` stays as
	-- released; this column is for querying across sources (not in the
	-- content fingerprint: it follows from `view`).
	view_norm  TEXT GENERATED ALWAYS AS (CASE
		WHEN view IS NULL OR trim(view) = '' THEN NULL
		WHEN upper(trim(view)) IN ('PA', 'POSTEROANTERIOR') THEN 'PA'
		WHEN upper(trim(view)) IN ('AP', 'ANTEROPOSTERIOR', 'AP SUPINE', 'AP_HORIZONTAL',
					  'AP HORIZONTAL') THEN 'AP'
		WHEN upper(trim(view)) IN ('LATERAL', 'LL', 'RL', 'LAT', 'L', 'LEFT LATERAL',
					  'RIGHT LATERAL', 'XTABLE LATERAL') THEN 'LATERAL'
		ELSE 'OTHER' END) VIRTUAL,
	UNIQUE (dataset_id, key)
);
CREATE INDEX image_study ON image(study_id);
CREATE INDEX image_path ON image(dataset_id, archive, path);
-- Pairs and negatives walk images and studies of one split in hrank order.
CREATE INDEX image_view ON image(dataset_id, split, view, hrank);

CREATE TABLE box (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	image_id   INTEGER NOT NULL REFERENCES image(id),
	label    TEXT NOT NULL,
	x        REAL NOT NULL,              -- pixels of the frame below,
	y        REAL NOT NULL,              --   top-left corner,
	w        REAL NOT NULL,              --   width and height
	h        REAL NOT NULL,
	frame_width  INTEGER NOT NULL DEFAULT 0, -- the frame the release gives boxes in
	frame_height INTEGER NOT NULL DEFAULT 0, --   (NIH: 1024 x 1024); 0: the image's header
	src_file TEXT,
	src_line INTEGER
);
CREATE INDEX box_image ON box(image_id);

CREATE TABLE report (
	study_id       INTEGER PRIMARY KEY REFERENCES study(id),
	dataset_id     INTEGER NOT NULL REFERENCES dataset(id),
	indication     TEXT,
	comparison     TEXT,
	findings       TEXT,
	impression     TEXT,
	last_paragraph TEXT,
	src_file       TEXT,
	src_line       INTEGER
);

CREATE TABLE qa (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	key        TEXT NOT NULL,
	image_id   INTEGER NOT NULL REFERENCES image(id),
	question   TEXT NOT NULL,
	answer     TEXT NOT NULL,
	closed     INTEGER NOT NULL,
	qtype      TEXT,
	split      TEXT NOT NULL,
	src_file   TEXT,
	src_line   INTEGER,
	UNIQUE (dataset_id, key)
);

-- The fact kinds of the sources still to come, one table each, written from
-- their entry in cx_fact_kinds[] (builder/adapters/facts.c): a column per
-- member of the fact's struct (adapters/adapter.h), a key naming an image,
-- study or note stored as <name>_id, a list as JSON text.

-- Two images compared under a label (MS-CXR-T progression, Medical-Diff-VQA).
CREATE TABLE image_pair (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	image_id   INTEGER NOT NULL REFERENCES image(id),
	other_id   INTEGER NOT NULL REFERENCES image(id),  -- the prior / reference image
	label      TEXT NOT NULL,
	value      TEXT NOT NULL,
	split      TEXT NOT NULL DEFAULT '',
	src_file   TEXT,
	src_line   INTEGER
);

-- Two texts and their relation (RadNLI, MS-CXR-T sentence similarity).
CREATE TABLE text_pair (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	key        TEXT,
	text1      TEXT NOT NULL,
	text2      TEXT NOT NULL,
	relation   TEXT NOT NULL,
	split      TEXT NOT NULL DEFAULT '',
	src_file   TEXT,
	src_line   INTEGER
);

-- A phrase grounded by a box in pixels of its frame (MS-CXR: image_width x
-- image_height, as released; 0: the image header's). split is the release's
-- own (MS-CXR 1.1.0's split column; '' when it has none), as released; the
-- image's is the stricter of it and its lender's (MIMIC-CXR's).
CREATE TABLE phrase_box (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	image_id   INTEGER NOT NULL REFERENCES image(id),
	label      TEXT NOT NULL,
	phrase     TEXT NOT NULL,
	x          REAL NOT NULL,
	y          REAL NOT NULL,
	w          REAL NOT NULL,
	h          REAL NOT NULL,
	frame_width  INTEGER NOT NULL DEFAULT 0,
	frame_height INTEGER NOT NULL DEFAULT 0,
	split      TEXT NOT NULL DEFAULT '',
	src_file   TEXT,
	src_line   INTEGER
);
CREATE INDEX phrase_box_image ON phrase_box(image_id);

-- A multiple-choice question with its released options (PMC-VQA).
CREATE TABLE choice (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	key        TEXT,
	image_id   INTEGER NOT NULL REFERENCES image(id),
	question   TEXT NOT NULL,
	options    TEXT NOT NULL,            -- JSON list, as released
	answer     INTEGER NOT NULL,         -- 0-based index into options
	split      TEXT NOT NULL DEFAULT '',
	src_file   TEXT,
	src_line   INTEGER
);

-- A question asked after others about one report (Rad-ReStruct).
CREATE TABLE history_qa (
	id          INTEGER PRIMARY KEY,
	dataset_id  INTEGER NOT NULL REFERENCES dataset(id),
	study_id    INTEGER NOT NULL REFERENCES study(id),
	question    TEXT NOT NULL,
	answers     TEXT NOT NULL,           -- JSON list
	history     TEXT NOT NULL,           -- JSON [[question, [answer, ...]], ...], oldest first
	options     TEXT NOT NULL,           -- JSON list
	answer_type TEXT,
	path        TEXT,
	split       TEXT NOT NULL DEFAULT '',
	src_file    TEXT,
	src_line    INTEGER
);

-- A question over a text with its answer span (RadQA); answer NULL and
-- start -1 when the question has no answer in the text.
CREATE TABLE span_qa (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	key        TEXT,
	context    TEXT NOT NULL,
	question   TEXT NOT NULL,
	answer     TEXT,
	start      INTEGER NOT NULL,         -- characters (code points) into context
	split      TEXT NOT NULL DEFAULT '',
	src_file   TEXT,
	src_line   INTEGER
);

-- A text-only document (MIMIC-III notes, RadGraph's texts).
CREATE TABLE note (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	key        TEXT NOT NULL,
	text       TEXT NOT NULL,
	sections   TEXT NOT NULL,            -- JSON [[name, text], ...]
	split      TEXT NOT NULL DEFAULT '',
	src_file   TEXT,
	src_line   INTEGER,
	UNIQUE (dataset_id, key)
);

-- An entity of a note, by token indices (RadGraph: 0-based, inclusive).
CREATE TABLE entity (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	note_id    INTEGER NOT NULL REFERENCES note(id),
	key        TEXT NOT NULL,            -- the entity id within its note
	tokens     TEXT NOT NULL,
	start      INTEGER NOT NULL,
	end        INTEGER NOT NULL,
	label      TEXT NOT NULL,
	relations  TEXT NOT NULL,            -- JSON [[type, target entity id], ...]
	src_file   TEXT,
	src_line   INTEGER
);

-- A candidate report with its raters' error counts (ReXVal).
CREATE TABLE candidate (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	study_id   INTEGER NOT NULL REFERENCES study(id),
	method     TEXT NOT NULL,
	text       TEXT NOT NULL,
	errors     TEXT NOT NULL,            -- JSON [[rater, category, significant, count], ...]
	src_file   TEXT,
	src_line   INTEGER
);

-- An explanation of diagnoses (MIMIC-NLE), about a study or an image.
CREATE TABLE explanation (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	key        TEXT,
	study_id   INTEGER REFERENCES study(id),
	image_id   INTEGER REFERENCES image(id),
	labels     TEXT NOT NULL,            -- JSON list of diagnoses
	text       TEXT NOT NULL,
	split      TEXT NOT NULL DEFAULT '',
	src_file   TEXT,
	src_line   INTEGER
);

-- The caption of an image (ROCO).
CREATE TABLE caption (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	image_id   INTEGER NOT NULL REFERENCES image(id),
	caption    TEXT NOT NULL,
	src_file   TEXT,
	src_line   INTEGER
);

-- One row per instance of a task-dataset entry. What the instance is about
-- depends on the entry's derive rule: a study, an image, a question, an
-- (image, label) pair; other_id is the second study or image of matching
-- and selection instances, flag the expected yes/no of a pair.
CREATE TABLE instance (
	id       INTEGER PRIMARY KEY,
	entry_id INTEGER NOT NULL REFERENCES entry(id),
	key      TEXT NOT NULL,
	split    TEXT NOT NULL,
	patient  TEXT,
	study_id INTEGER,
	image_id INTEGER,
	qa_id    INTEGER,
	label    TEXT,
	other_id INTEGER,
	flag     INTEGER,
	src_file TEXT,
	src_line INTEGER
);
-- Keys are unique per entry by construction of every derive rule, and no
-- query looks an instance up by its key: no index on (entry_id, key), which
-- cost a sort of every instance per build (tests/cli/t-cli.sh checks that the
-- keys are unique). An index, not a table constraint, so that the build can
-- drop it while it derives instances and sort it in once at the end.
CREATE INDEX instance_split ON instance(entry_id, split);
CREATE INDEX qa_image ON qa(image_id);

-- The images an instance shows, in order (frontal views first).
CREATE TABLE instance_image (
	instance_id INTEGER NOT NULL REFERENCES instance(id),
	ord         INTEGER NOT NULL,
	image_id    INTEGER NOT NULL REFERENCES image(id),
	PRIMARY KEY (instance_id, ord)
) WITHOUT ROWID;

-- Every row that could not be used, with the reason.
CREATE TABLE reject (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	file       TEXT NOT NULL,
	line       INTEGER NOT NULL,
	reason     TEXT NOT NULL,
	-- The kind of reason, a short stable code, so that rejects group (stats
	-- counts them per code): reasons name the row's ids and values, codes do
	-- not. Derived from the reason's wording, which the shared helpers
	-- (builder/adapters/rows.c, io/release.c, build/images.c) and the
	-- adapters write in fixed forms; first match wins, 'other' for the rest
	-- (tests/cli/t-rejects.sh pins the codes of the broken fixtures). A
	-- generated column: every writer of rejects gets it, and the sqlite3
	-- shell shows it without any function of this program.
	code       TEXT GENERATED ALWAYS AS (CASE
		WHEN reason LIKE '%not a safe name%' OR reason LIKE '%symbolic link%'
			THEN 'unsafe-name'
		WHEN reason LIKE '%UTF-8%' THEN 'bad-utf8'
		WHEN reason LIKE 'row has % fields, expected %' THEN 'field-count'
		WHEN reason LIKE 'unreadable image%' THEN 'unreadable-image'
		WHEN reason LIKE 'missing image%' THEN 'missing-image'
		WHEN reason LIKE 'missing ''%' THEN 'missing-field'
		WHEN reason LIKE 'missing %' THEN 'missing-file'
		WHEN reason LIKE 'malformed XML%' OR reason LIKE 'no <%'
			OR reason LIKE 'root element is %' THEN 'bad-xml'
		WHEN reason LIKE '%not valid JSON%' THEN 'bad-json'
		WHEN reason LIKE '%, expected a%' OR reason LIKE '%not a whole number%'
			THEN 'wrong-type'
		WHEN reason LIKE '%listed twice%' OR reason LIKE 'second %'
			OR reason LIKE '% in both %' OR reason LIKE '%appears twice%'
			OR reason LIKE '%repeated in %' THEN 'duplicate'
		WHEN reason LIKE 'empty%' THEN 'empty-field'
		WHEN reason LIKE 'unknown %' THEN 'unknown-value'
		WHEN reason LIKE '% is in neither %' OR reason LIKE '% is not in %'
			OR reason LIKE '% belongs to subject %' OR reason LIKE '% is under subject %'
			OR reason LIKE '%not kept from%' OR reason LIKE 'no images for %'
			OR reason LIKE '% names an unknown %' THEN 'inconsistent-ids'
		WHEN reason LIKE '% is not <%' OR reason LIKE '% is not under %'
			OR reason LIKE '%does not start with%' OR reason LIKE '% is not test/%'
			OR reason LIKE '%file name is not %' THEN 'bad-path'
		WHEN reason LIKE '%digits%' OR reason LIKE '%not a positive integer%'
			OR reason LIKE 'non-numeric %' OR reason LIKE 'invalid %'
			OR reason LIKE 'negative %' OR reason LIKE '%distinct values%'
			OR reason LIKE '% is not %' THEN 'bad-value'
		ELSE 'other' END) VIRTUAL
);

-- Archives of a release found damaged while its source was built (truncated,
-- corrupt, or over the decompression bound of builder/io/release.h), one row
-- each: what `build` reported on stderr; `stats` counts them. The source was
-- built from what could be read; the images lost are in reject.
CREATE TABLE damage (
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	file       TEXT NOT NULL,             -- the archive's path as the build found it
	reason     TEXT NOT NULL
);

-- Rows left out by a documented rule (sources/<id>.md), counted per rule.
CREATE TABLE filtered (
	dataset_id INTEGER NOT NULL REFERENCES dataset(id),
	rule       TEXT NOT NULL,
	rows       INTEGER NOT NULL,
	PRIMARY KEY (dataset_id, rule)
) WITHOUT ROWID;

-- Views that name instances as the command line, the mixes and the manifest
-- do (task ids, dataset names and source ids, entry names), so that asking
-- "which instances are there" needs no join of instance, entry, task,
-- capability and dataset. For people querying the catalogue: the builder
-- reads the tables, never these.
CREATE VIEW instance_named AS
SELECT n.id AS instance_id, c.name AS capability, t.name AS task, d.name AS dataset,
	d.source AS source, n.split AS split, n.key AS key,
	'[' || t.title || '] [' || d.name || ']' AS entry, e.held_out AS held_out
FROM instance n
JOIN entry e ON n.entry_id = e.id
JOIN task t ON e.task_id = t.id
JOIN capability c ON t.capability_id = c.id
JOIN dataset d ON e.dataset_id = d.id;

-- Images per source and normalised view (image.view_norm), with the views
-- as released that each holds and their counts ('LATERAL 2, LL 1'): the one
-- place to see how the sources' views line up.
CREATE VIEW image_view_count AS
SELECT source, view_norm, group_concat(view || ' ' || n, ', ') AS released,
	sum(n) AS images
FROM (SELECT d.source AS source, i.view_norm AS view_norm, i.view AS view, count(*) AS n
	FROM image i JOIN dataset d ON i.dataset_id = d.id
	GROUP BY d.source, i.view_norm, i.view ORDER BY 1, 2, 3)
GROUP BY source, view_norm;

-- Instances per capability, task, dataset and split (the numbers of `stats`).
CREATE VIEW instance_count AS
SELECT capability, task, dataset, source, split, count(*) AS instances
FROM instance_named
GROUP BY capability, task, dataset, source, split;
