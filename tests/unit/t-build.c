/*
 * t-build.c - the build layer (builder/build/) and the registration list.
 *
 * Probe conformance: every demo release in sources/ against every adapter,
 * each on a fresh release: exactly one says yes, and it is the source the
 * release is named after; then all of them on one shared release, wrong ones
 * first, which the right one must survive (probes leave no trace). A VQA-RAD
 * copy holding an unrelated notes/train.csv, which CheXpert's probe used to
 * send VQA-RAD's probe away from. Discovery of a folder of releases, of one
 * release folder or archive given directly, of nothing. Build order and
 * requirements with made-up adapters, and one real source built through the
 * per-source transaction. Run from the repository root (meson does).
 */
#include "cx.h"

#include <dirent.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "build/build.h"
#include "catalogue/catalogue.h"
#include "io/release.h"
#include "t.h"

static char tmp[] = "/tmp/t-build-XXXXXX";

static char *tmp_path(const char *name)
{
	struct cx_buf b = CX_BUF_INIT;
	cx_buf_addf(&b, "%s/%s", tmp, name);
	return cx_buf_detach(&b);
}

/* --- registration ------------------------------------------------------- */

static void test_registration(void)
{
	struct cx_buf list = CX_BUF_INIT;
	struct cx_error err = {0};
	CHECK(cx_read_file("builder/adapters/sources.list", 1 << 16, &list, &err) == 0,
	      "sources.list is readable");
	size_t n = 0;
	int same = 1;
	for (char *line = strtok(list.data, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#' || !cx_trim(line)[0])
			continue;
		same = same && n < cx_nadapters && !strcmp(cx_adapter_ids[n], cx_trim(line));
		n++;
	}
	CHECK_INT(cx_nadapters, n, "the adapter table has one adapter per line of sources.list");
	CHECK(same, "in the list's order");
	int ids = 1;
	for (size_t i = 0; i < cx_nadapters; i++)
		if (strcmp(cx_adapters[i]->id, cx_adapter_ids[i]) != 0) {
			printf("# adapter registered as %s calls itself %s\n", cx_adapter_ids[i],
			       cx_adapters[i]->id);
			ids = 0;
		}
	CHECK(ids, "every adapter's id is the id it is registered under");
	struct cx_build b;
	CHECK(cx_build_init(&b, cx_adapters, cx_nadapters, &err) == 0,
	      "the registered requirements name registered sources and form no cycle");
	cx_build_free(&b);
	cx_buf_release(&list);
}

/* --- probe conformance -------------------------------------------------- */

static int is_release_entry(const char *name)
{
	return name[0] != '.' && !cx_str_ends(name, ".md");
}

/* The source id a demo release is named after: its name without an archive
 * extension. */
static char *stem(const char *name)
{
	static const char *const ext[] = {".tar.gz", ".tgz", ".zip", ".tar"};
	for (size_t i = 0; i < CX_ARRAY_LEN(ext); i++)
		if (cx_str_ends(name, ext[i]))
			return cx_strndup(name, strlen(name) - strlen(ext[i]));
	return cx_strdup(name);
}

/* Which adapters say yes to the release, each on a fresh copy of it. */
static void conformance_one(const char *name)
{
	char *id = stem(name);
	struct cx_buf path = CX_BUF_INIT, what = CX_BUF_INIT, yes = CX_BUF_INIT;
	cx_buf_addf(&path, "sources/%s", name);
	size_t nyes = 0;
	for (size_t i = 0; i < cx_nadapters; i++) {
		struct cx_release *rel;
		struct cx_error err = {0};
		if (cx_release_open(&rel, path.data, &err) != 0)
			break;
		if (cx_release_try(rel, cx_adapters[i]->probe)) {
			cx_buf_addf(&yes, "%s%s", nyes++ ? "," : "", cx_adapters[i]->id);
		}
		cx_release_free(rel);
	}
	cx_buf_addf(&what, "sources/%s: exactly one adapter says yes, %s", name, id);
	CHECK_STR(yes.data ? yes.data : "", id, what.data);

	/* One shared release: every other adapter first, then the right one. */
	struct cx_release *rel;
	struct cx_error err = {0};
	int others = 0, right = 0;
	const struct cx_adapter *a = cx_adapter_find(id);
	if (a && cx_release_open(&rel, path.data, &err) == 0) {
		for (size_t i = 0; i < cx_nadapters; i++)
			if (cx_adapters[i] != a)
				others += cx_release_try(rel, cx_adapters[i]->probe);
		right = cx_release_try(rel, a->probe);
		cx_release_free(rel);
	}
	cx_buf_reset(&what);
	cx_buf_addf(&what, "sources/%s: %s still says yes after every other probe said no", name,
		    id);
	CHECK(a && !others && right, what.data);
	cx_buf_release(&path);
	cx_buf_release(&what);
	cx_buf_release(&yes);
	free(id);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void test_conformance(void)
{
	struct dirent **names;
	int n = scandir("sources", &names, NULL, by_name);
	size_t releases = 0;
	for (int i = 0; i < n; i++) {
		if (is_release_entry(names[i]->d_name)) {
			conformance_one(names[i]->d_name);
			releases++;
		}
		free(names[i]);
	}
	free(names);
	CHECK_INT(releases, cx_nadapters, "sources/ holds one demo release per registered source");
}

/* --- the VQA-RAD copy with notes/train.csv -------------------------------- */

static void make_notes_copy(void)
{
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return;
	char *dir = tmp_path("notes");
	t_sh("mkdir -p '%s/vqa-rad/notes' && printf 'Path,Sex\\nx.jpg,F\\n' >'%s/vqa-rad/notes/train.csv'",
	   dir, dir);
	struct cx_buf src = CX_BUF_INIT;
	cx_buf_addf(&src, "%s/sources/vqa-rad", cwd);
	t_sh("cp '%s/VQA_RAD Dataset Public.json' '%s/vqa-rad/'", src.data, dir);
	t_sh("cp -r '%s/VQA_RAD Image Folder' '%s/vqa-rad/'", src.data, dir);
	cx_buf_release(&src);
	free(dir);
}

static void test_notes_copy(void)
{
	make_notes_copy();
	char *path = tmp_path("notes/vqa-rad");
	struct cx_release *rel;
	struct cx_error err = {0};
	struct cx_buf archive = CX_BUF_INIT, where = CX_BUF_INIT;
	if (cx_release_open(&rel, path, &err) == 0) {
		CHECK(!cx_release_try(rel, cx_adapter_find("chexpert")->probe),
		      "notes/train.csv alone is no CheXpert release");
		CHECK(cx_release_where(rel, "train.csv", &archive, &where) == CX_ENOTFOUND,
		      "and CheXpert's probe, having said no, left the root where it was");
		CHECK(cx_release_try(rel, cx_adapter_find("vqa-rad")->probe),
		      "so VQA-RAD's probe, run next, says yes");
		cx_release_where(rel, "VQA_RAD Dataset Public.json", &archive, &where);
		CHECK_STR(where.data, "VQA_RAD Dataset Public.json", "with the root at the top");
		cx_release_free(rel);
	}
	cx_buf_release(&archive);
	cx_buf_release(&where);
	free(path);

	struct cx_build b;
	cx_build_init(&b, cx_adapters, cx_nadapters, &err);
	char *dir = tmp_path("notes");
	CHECK(cx_build_discover(&b, dir, &err) == 0, "discovery on a folder holding the copy");
	const struct cx_build_source *s = NULL;
	for (size_t i = 0; i < b.n; i++)
		if (b.src[i].rel)
			s = s ? NULL : &b.src[i];
	CHECK(s && !strcmp(s->adapter->id, "vqa-rad"), "finds the copy as VQA-RAD, and only it");
	CHECK(cx_build_check_found(&b, dir, &err) == 0, "which is enough");
	cx_build_free(&b);
	free(dir);
}

/* --- discovery ---------------------------------------------------------- */

/* The selected sources found, as "id=path,..." in build order, and the
 * error, if any. */
static void found(const char *path, const char *only, struct cx_buf *out, int *rc)
{
	struct cx_build b;
	struct cx_error err = {0};
	cx_buf_reset(out);
	cx_build_init(&b, cx_adapters, cx_nadapters, &err);
	cx_build_select(&b, only, &err);
	*rc = cx_build_discover(&b, path, &err);
	if (!*rc)
		*rc = cx_build_check_found(&b, path, &err);
	for (size_t i = 0; i < b.n; i++)
		if (cx_build_wanted(&b.src[i]))
			cx_buf_addf(out, "%s%s=%s", out->len ? "," : "", b.src[i].adapter->id,
				    b.src[i].path);
	if (*rc)
		cx_buf_addf(out, "%serror: %s", out->len ? "," : "", err.msg);
	cx_build_free(&b);
}

static void test_discovery(void)
{
	struct cx_buf got = CX_BUF_INIT;
	int rc;
	found("sources", NULL, &got, &rc);
	struct cx_buf want = CX_BUF_INIT;
	struct cx_build order;
	struct cx_error err = {0};
	cx_build_init(&order, cx_adapters, cx_nadapters, &err);
	for (size_t i = 0; i < order.n; i++) {
		const char *id = order.src[i].adapter->id;
		cx_buf_addf(&want, "%s%s=sources/%s", i ? "," : "", id, id);
	}
	cx_build_free(&order);
	CHECK_STR(got.data, want.data, "sources/ is a folder of releases, each source's own");
	found("sources/vqa-rad", NULL, &got, &rc);
	CHECK_STR(got.data, "vqa-rad=sources/vqa-rad", "a release folder given directly is that release");
	found("sources/openi", NULL, &got, &rc);
	CHECK_STR(got.data, "openi=sources/openi",
		  "OpenI's folder is one release, not its reports archive alone");
	found("sources/mimic-cxr", NULL, &got, &rc);
	CHECK_STR(got.data, "mimic-cxr=sources/mimic-cxr", "so is MIMIC-CXR's");

	char *alt = tmp_path("alt");
	t_sh("mkdir -p '%s' && tar -czf '%s/vqa-rad.tar.gz' -C sources/vqa-rad . &&"
	   " tar -czf '%s/slake.tar.gz' -C sources/slake .", alt, alt, alt);
	char *one = tmp_path("alt/vqa-rad.tar.gz");
	found(one, NULL, &got, &rc);
	cx_buf_reset(&want);
	cx_buf_addf(&want, "vqa-rad=%s", one);
	CHECK_STR(got.data, want.data, "a release archive given directly is that release");
	found(alt, NULL, &got, &rc);
	cx_buf_reset(&want);
	cx_buf_addf(&want, "vqa-rad=%s/vqa-rad.tar.gz,slake=%s/slake.tar.gz", alt, alt);
	CHECK_STR(got.data, want.data,
		  "a folder of release archives is a folder of releases, not one release");

	char *empty = tmp_path("empty");
	mkdir(empty, 0755);
	found(empty, NULL, &got, &rc);
	cx_buf_reset(&want);
	cx_buf_addf(&want, "error: no release of a known source found at %s", empty);
	CHECK_STR(got.data, want.data, "a folder with no release: one-line error");
	CHECK_INT(rc, CX_ENOTFOUND, "of kind not found");
	found(alt, "slake,openi,mimic-cxr", &got, &rc);
	cx_buf_reset(&want);
	cx_buf_addf(&want, "slake=%s/slake.tar.gz,error: --only: no release of mimic-cxr, openi found at %s",
		    alt, alt);
	CHECK_STR(got.data, want.data, "--only naming sources not found: one line naming them");
	found(alt, "vqa-rad", &got, &rc);
	CHECK_INT(rc, 0, "--only naming a source found is fine");
	found("sources/no-such-folder", NULL, &got, &rc);
	CHECK_STR(got.data, "error: cannot read sources 'sources/no-such-folder': no such file or folder",
		  "a --sources path that is not there");
	found("sources/vqa-rad.md", NULL, &got, &rc);
	CHECK_STR(got.data,
		  "error: 'sources/vqa-rad.md' is neither a folder nor a .zip/.tar/.tar.gz/.tgz archive",
		  "a --sources file that is no archive");

	struct cx_build b;
	cx_build_init(&b, cx_adapters, cx_nadapters, &err);
	CHECK_INT(cx_build_select(&b, "vqa-rad,nosuch", &err), CX_EINVAL, "--only with an unknown id");
	CHECK_STR(err.msg, "--only: unknown source 'nosuch'", "names it");
	CHECK_INT(cx_build_select(&b, ",", &err), CX_EINVAL, "--only naming nothing");
	CHECK_STR(err.msg, "--only: no source named", "is refused too");
	cx_build_free(&b);
	cx_buf_release(&want);
	cx_buf_release(&got);
	free(alt);
	free(one);
	free(empty);
}

/* --- order and requirements, with made-up adapters ------------------------ */

static int never(struct cx_release *rel)
{
	(void)rel;
	return 0;
}

static const char *const needs_b[] = {"b", NULL};
static const char *const needs_a[] = {"a", NULL};
static const char *const needs_vqa[] = {"vqa-rad", NULL};
static const char *const needs_zz[] = {"zz", NULL};
static const struct cx_adapter fake_a = {.id = "a", .requires = needs_b, .probe = never};
static const struct cx_adapter fake_b = {.id = "b", .probe = never};
static const struct cx_adapter fake_c = {.id = "c", .requires = needs_a, .probe = never};
static const struct cx_adapter fake_b2 = {.id = "b", .requires = needs_a, .probe = never};
static const struct cx_adapter fake_d = {.id = "d", .requires = needs_zz, .probe = never};
static const struct cx_adapter fake_e = {.id = "e", .requires = needs_vqa, .probe = never};

static void order_of(const struct cx_adapter *const *t, size_t n, struct cx_buf *out, int *rc)
{
	struct cx_build b;
	struct cx_error err = {0};
	cx_buf_reset(out);
	*rc = cx_build_init(&b, t, n, &err);
	if (*rc) {
		cx_buf_adds(out, err.msg);
		return;
	}
	for (size_t i = 0; i < b.n; i++)
		cx_buf_addf(out, "%s%s", i ? "," : "", b.src[i].adapter->id);
	cx_build_free(&b);
}

static void test_order(void)
{
	struct cx_buf got = CX_BUF_INIT;
	int rc;
	const struct cx_adapter *t1[] = {&fake_c, &fake_a, &fake_b, &fake_d};
	order_of(t1, 3, &got, &rc);
	CHECK_STR(got.data, "b,a,c", "a required source comes first: c needs a, a needs b");
	const struct cx_adapter *t2[] = {&fake_b, &fake_c, &fake_a};
	order_of(t2, 3, &got, &rc);
	CHECK_STR(got.data, "b,a,c", "independent of the table order");
	const struct cx_adapter *t3[] = {&fake_a, &fake_b2};
	order_of(t3, 2, &got, &rc);
	CHECK_STR(got.data, "adapter a: its requirements form a cycle", "a cycle is refused");
	CHECK_INT(rc, CX_EINVAL, "as a registration mistake");
	order_of(t1 + 3, 1, &got, &rc);
	CHECK_STR(got.data, "adapter d requires 'zz', which is no registered source",
		  "so is a requirement no adapter fills");
	cx_buf_release(&got);
}

/* Builds VQA-RAD's demo through the build layer, then asks whether made-up
 * sources that require something are ready. */
static void test_requirements(void)
{
	struct cx_error err = {0};
	struct cx_cat *cat = NULL;
	char *db = tmp_path("req.db");
	if (cx_cat_open(&cat, db, 1, &err) || cx_cat_sync_tasks(cat, &err)) {
		CHECK(0, err.msg);
		free(db);
		return;
	}
	struct cx_build b;
	cx_build_init(&b, cx_adapters, cx_nadapters, &err);
	cx_build_select(&b, "vqa-rad", &err);
	cx_build_discover(&b, "sources/vqa-rad", &err);
	struct cx_build_source *v = NULL;
	for (size_t i = 0; i < b.n; i++)
		if (cx_build_wanted(&b.src[i]))
			v = &b.src[i];
	struct cx_build_opts opts = {.seed = 0, .check_images = 1};
	struct cx_source_counts n;
	CHECK(v && cx_build_source(cat, v, &opts, NULL, NULL, &n, &err) == 0,
	      "VQA-RAD's demo builds through the build layer");
	CHECK(n.read == 14 && n.kept == 11 && n.filtered == 3 && n.rejected == 0,
	      "14 rows: 11 kept, 3 filtered (as tests/golden/cli/build.txt)");
	CHECK(n.images == 3 && n.images_unreadable == 0 && n.instances == 11,
	      "3 images, every header read, 11 instances");
	CHECK(v && v->state == CX_BUILD_DONE, "and is marked done");
	cx_build_free(&b);

	/* e needs vqa-rad, a needs b: neither vqa-rad nor b is in this run. */
	const struct cx_adapter *t[] = {&fake_e, &fake_a, &fake_b, cx_adapter_find("vqa-rad")};
	cx_build_init(&b, t, 4, &err);
	const char *const want[] = {"vqa-rad", "e", "b", "a"};
	int in_order = b.n == 4;
	for (size_t i = 0; in_order && i < 4; i++)
		in_order = !strcmp(b.src[i].adapter->id, want[i]);
	CHECK(in_order, "order vqa-rad, e, b, a");
	struct cx_build_source *se = &b.src[1], *sb = &b.src[2], *sa = &b.src[3];
	CHECK(cx_build_ready(&b, cat, se, &err) == 0,
	      "a source whose requirement is already in the catalogue is ready");
	CHECK_INT(cx_build_ready(&b, cat, sa, &err), CX_ENOTFOUND,
		  "one whose requirement is neither found nor in the catalogue is not");
	CHECK_STR(err.msg,
		  "a not built: it requires b, and it is neither built in this run nor in the catalogue",
		  "and the message says so in one line");
	CHECK_INT(sa->state, CX_BUILD_FAILED, "it is marked failed");
	cx_release_open(&sb->rel, "sources/vqa-rad", &err); /* b "found" in this run */
	sb->state = CX_BUILD_FAILED;
	sa->state = CX_BUILD_PENDING;
	cx_build_ready(&b, cat, sa, &err);
	CHECK_STR(err.msg, "a not built: it requires b, and its build failed",
		  "a requirement whose build failed in this run");
	sb->state = CX_BUILD_DONE;
	CHECK(cx_build_ready(&b, cat, sa, &err) == 0, "a requirement built in this run");
	cx_build_free(&b);
	cx_cat_close(cat);
	free(db);
}

int main(void)
{
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_registration();
	test_conformance();
	test_notes_copy();
	test_discovery();
	test_order();
	test_requirements();
	t_sh("rm -rf '%s'", tmp);
	return t_done();
}
