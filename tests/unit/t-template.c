/*
 * t-template.c - builder/adapters/_template.c, the copy-me adapter, on its
 * tiny release tests/fixtures/template/: it compiles, and its rows come out
 * kept, filtered and rejected as its comments say.
 */
#include "cx.h"

#include "adapters/adapter.h"
#include "facts.h"
#include "t.h"

extern const struct cx_adapter cx_adapter_template;

static const char want[] =
	"image key=\"a.png\" path=\"images/a.png\" patient=\"1\" view=\"PA\" split=\"train\"\n"
	"labels image target=\"a.png\" Edema=1\n"
	"kept example.csv:2\n"
	"image key=\"b.png\" path=\"images/b.png\" patient=\"2\" view=\"AP\" split=\"test\"\n"
	"kept example.csv:3\n"
	"filter example.csv:4 not-an-x-ray\n"
	"reject example.csv:5 unknown value 'dev' in column 'Split'\n"
	"reject example.csv:6 Image '../e.png' is not a safe name: a '..' component\n"
	"reject example.csv:7 row has 5 fields, expected 6\n";

int main(void)
{
	struct cx_buf log = CX_BUF_INIT;
	struct facts_count n;
	struct cx_error err = {0};
	CHECK_INT(facts_run(&cx_adapter_template, "tests/fixtures/template", &log, &n, &err), 0,
		  "the template adapter reads its fixture");
	CHECK_STR(cx_buf_str(&log), want, "columns bound by name; a filter, rejects, facts");
	CHECK_INT(n.read, 6, "6 rows read");
	CHECK_INT(n.kept, 2, "2 kept");
	CHECK_INT(n.filtered, 1, "1 filtered");
	CHECK_INT(n.rejected, 3, "3 rejected");
	CHECK_INT(n.images, 2, "an image per kept row");
	CHECK_INT(n.labels, 1, "labels only where Finding has one");
	cx_buf_release(&log);
	return t_done();
}
