-- A canonical dump of a catalogue's facts and instances, without the
-- columns that say where a file lives (release, archive, path): the folder
-- form and the archive form of a release must give the same dump.
.mode list
.separator |
SELECT 'dataset', name, source, rows_read, rows_kept, rows_rejected, rows_filtered
  FROM dataset ORDER BY source;
SELECT 'image', d.source, i.key, s.key, i.width, i.height, i.bit_depth, i.view, i.patient,
       i.split, i.sex, i.age, i.labels, i.src_file, i.src_line
  FROM image i JOIN dataset d ON i.dataset_id = d.id LEFT JOIN study s ON i.study_id = s.id
  ORDER BY d.source, i.key;
SELECT 'study', d.source, s.key, s.patient, s.split, s.labels
  FROM study s JOIN dataset d ON s.dataset_id = d.id ORDER BY d.source, s.key;
SELECT 'report', d.source, s.key, r.indication, r.findings, r.impression, r.last_paragraph
  FROM report r JOIN study s ON r.study_id = s.id JOIN dataset d ON s.dataset_id = d.id
  ORDER BY d.source, s.key;
SELECT 'box', d.source, i.key, b.label, b.x, b.y, b.w, b.h
  FROM box b JOIN image i ON b.image_id = i.id JOIN dataset d ON i.dataset_id = d.id
  ORDER BY d.source, i.key, b.label, b.x, b.y;
SELECT 'qa', d.source, q.key, i.key, q.question, q.answer, q.closed, q.split
  FROM qa q JOIN image i ON q.image_id = i.id JOIN dataset d ON q.dataset_id = d.id
  ORDER BY d.source, q.key;
SELECT 'instance', t.name, d.source, n.key, n.split, n.flag, n.label,
       (SELECT group_concat(i.key, ',') FROM (SELECT i.key FROM instance_image x
         JOIN image i ON x.image_id = i.id WHERE x.instance_id = n.id ORDER BY x.ord) i)
  FROM instance n JOIN entry e ON n.entry_id = e.id JOIN task t ON e.task_id = t.id
  JOIN dataset d ON e.dataset_id = d.id ORDER BY t.name, d.source, n.key;
SELECT 'reject', d.source, r.file, r.line, r.reason
  FROM reject r JOIN dataset d ON r.dataset_id = d.id ORDER BY d.source, r.file, r.line;
