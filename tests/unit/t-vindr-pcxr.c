/*
 * t-vindr-pcxr.c - the VinDr-PCXR adapter (vindr.c) on its demo release:
 * the CSVs at the release's root, diagnosis columns under the release's
 * names with their typos, values 1.0 / 0.0 / empty, two readers' boxes
 * merged, lesion classes outside the vocabulary; the same files with the
 * typos corrected read the same; a VinDr-CXR release is not VinDr-PCXR's.
 */
#include "cx.h"

#include "facts-check.h"
#include "io/release.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_vindr_pcxr;

static const struct cx_adapter *const A = &cx_adapter_vindr_pcxr;

#define IMG_1 "a59e9f76a4c9b1ce5b67fce708732adf" /* consolidation, two readers */
#define IMG_3 "2c8616d009e0fc87c199ec84c64f22db" /* bilateral opacity, an empty cell */
#define IMG_4 "48d239e48fc33e20eebb4c5a4444a436" /* test: cardiomegaly, other disease */

static void test_demo(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	int rc = facts_run(A, "sources/vindr-pcxr", &log, &n, &err);
	if (!CHECK(rc == 0, "demo release reads"))
		printf("#   %s\n", err.msg);
	CHECK(facts_match_golden(cx_buf_str(&log), "tests/golden/vindr-pcxr.facts"),
	      "demo fact log matches tests/golden/vindr-pcxr.facts");
	CHECK_INT(n.read, 12, "rows read: 3 + 2 label rows, 5 + 2 box rows");
	CHECK_INT(n.kept, 12, "every row kept");
	CHECK_INT(n.images, 5, "5 images: 3 train, 2 test");
	CHECK_INT(n.boxes, 4, "4 boxes: two readers' consolidation merged");
	const char *s = cx_buf_str(&log);
	CHECK_LINE(s, "box image=\"" IMG_1 "\" label=\"Consolidation\" "
		      "xywh=55.000,50.000,27.000,33.000");
	CHECK_LINE(s, "box image=\"" IMG_3 "\" label=\"Peribronchovascular interstitial opacity\" "
		      "xywh=58.000,40.000,23.000,35.000");
	/* the typo'd names are the keys; an empty cell is no label */
	CHECK_LINE(s, "labels image target=\"" IMG_3 "\" Bronchitis=0,Bronchiolitis=1,"
		      "Situs inversus=0,Pneumonia=0,Pleuro-pneumonia=0,Diagphramatic hernia=0,"
		      "Tuberculosis=0,Congenital emphysema=0,CPAM=0,Hyaline membrane disease=0,"
		      "Mediastinal tumor=0,Lung tumor=0,Other disease=0,No finding=0");
	CHECK(strstr(strstr(s, "target=\"" IMG_4 "\""), "Brocho-pneumonia=0") != NULL,
	      "1.0 / 0.0 cells read as 1 / 0");
	CHECK(strstr(s, "split=\"test\"") != NULL, "test images are test");

	/* the same files with the column names spelled right: the same labels */
	struct cx_buf fixed = CX_BUF_INIT;
	rc = facts_run(A, "tests/fixtures/vindr-pcxr/fixed", &fixed, &n, &err);
	CHECK(rc == 0, "corrected column names read");
	CHECK(strstr(cx_buf_str(&fixed), "target=\"" IMG_1 "\" Bronchitis=0,Brocho-pneumonia=0,"
		     "Bronchiolitis=0") != NULL, "a corrected spelling feeds the released label");
	CHECK_INT(n.images, 3, "corrected: the 3 train images");
	cx_buf_release(&fixed);
	cx_buf_release(&log);
}

static void test_probe(void)
{
	struct cx_release *rel;
	struct cx_error err = {0};
	if (CHECK(cx_release_open(&rel, "sources/vindr-cxr", &err) == 0, "VinDr-CXR demo opens")) {
		CHECK(!A->probe(rel), "VinDr-CXR's release is not VinDr-PCXR's");
		cx_release_free(rel);
	}
}

int main(void)
{
	test_demo();
	test_probe();
	return t_done();
}
