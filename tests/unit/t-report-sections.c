/*
 * t-report-sections.c - the MIMIC-CXR section splitter on inline report
 * texts, one per header variant. The expected sections were worked out from
 * the rules of MIT-LCP's section_parser.py and create_section_files.py (and
 * cross-checked by running that script on the same texts).
 */
#include "cx.h"

#include "adapters/report-sections.h"
#include "t.h"

#define FR "                                 FINAL REPORT\n"

struct want {
	const char *indication, *comparison, *findings, *impression, *last_paragraph;
};

static void check(const char *what, const char *text, struct want w)
{
	struct cx_sections s;
	struct cx_error err = {0};
	char msg[160];
	snprintf(msg, sizeof msg, "%s: sections", what);
	if (!CHECK(cx_report_sections(text, strlen(text), &s, &err) == 0, msg)) {
		printf("#   %s\n", err.msg);
		return;
	}
	snprintf(msg, sizeof msg, "%s: indication", what);
	CHECK_STR(s.indication, w.indication, msg);
	snprintf(msg, sizeof msg, "%s: comparison", what);
	CHECK_STR(s.comparison, w.comparison, msg);
	snprintf(msg, sizeof msg, "%s: findings", what);
	CHECK_STR(s.findings, w.findings, msg);
	snprintf(msg, sizeof msg, "%s: impression", what);
	CHECK_STR(s.impression, w.impression, msg);
	snprintf(msg, sizeof msg, "%s: last_paragraph", what);
	CHECK_STR(s.last_paragraph, w.last_paragraph, msg);
	cx_sections_release(&s);
}

#define STANDARD                                                                           \
	FR " EXAMINATION:  CHEST (PA AND LAT)\n \n"                                        \
	   " INDICATION:  ___ year old man with cough and fever  // eval for pneumonia\n \n" \
	   " TECHNIQUE:  Chest PA and lateral\n \n"                                        \
	   " COMPARISON:  Chest radiograph from ___.\n \n"                                 \
	   " FINDINGS: \n \n"                                                              \
	   " The lungs are clear without focal consolidation.  No pleural effusion or\n"   \
	   " pneumothorax.  Heart size is normal.\n \n"                                    \
	   " IMPRESSION: \n \n"                                                            \
	   " No acute cardiopulmonary process.\n"

#define CRLF_STANDARD                                                                      \
	"                                 FINAL REPORT\r\n"                                \
	" EXAMINATION:  CHEST (PA AND LAT)\r\n \r\n"                                       \
	" INDICATION:  ___ year old man with cough and fever  // eval for pneumonia\r\n \r\n" \
	" TECHNIQUE:  Chest PA and lateral\r\n \r\n"                                       \
	" COMPARISON:  Chest radiograph from ___.\r\n \r\n"                                \
	" FINDINGS: \r\n \r\n"                                                             \
	" The lungs are clear without focal consolidation.  No pleural effusion or\r\n"    \
	" pneumothorax.  Heart size is normal.\r\n \r\n"                                   \
	" IMPRESSION: \r\n \r\n"                                                           \
	" No acute cardiopulmonary process.\r\n"

static const struct want standard = {
	"___ year old man with cough and fever  // eval for pneumonia",
	"Chest radiograph from ___.",
	"The lungs are clear without focal consolidation.  No pleural effusion or\n"
	" pneumothorax.  Heart size is normal.",
	"No acute cardiopulmonary process.",
	NULL,
};

static void test_variants(void)
{
	check("FINDINGS and IMPRESSION", STANDARD, standard);
	check("CRLF reads as LF", CRLF_STANDARD, standard);

	check("IMPRESSION only",
	      FR " INDICATION:  Intubated patient, evaluate tube position.\n \n"
		 " COMPARISON:  None.\n \n"
		 " IMPRESSION: \n \n"
		 " Endotracheal tube terminates 4 cm above the carina.  Lungs are clear.\n",
	      (struct want){"Intubated patient, evaluate tube position.", "None.", NULL,
			    "Endotracheal tube terminates 4 cm above the carina.  Lungs are clear.",
			    NULL});

	check("FINDINGS AND IMPRESSION is impression",
	      FR " HISTORY:  Shortness of breath.\n \n"
		 " FINDINGS AND IMPRESSION:  Mild pulmonary edema.  Small bilateral effusions.\n",
	      (struct want){NULL, NULL, NULL,
			    "Mild pulmonary edema.  Small bilateral effusions.", NULL});

	/* No findings or impression: the last section is cut at its first blank
	 * line, and everything after it (two paragraphs here) is last_paragraph. */
	check("last_paragraph after the first blank line of the last section",
	      FR " EXAMINATION:  CHEST (PORTABLE AP)\n \n"
		 " INDICATION:  Line placement.\n \n"
		 " COMPARISON:  ___\n \n"
		 " Right internal jugular line ends in the mid SVC.\n \n"
		 " No pneumothorax.\n",
	      (struct want){"Line placement.", "___", NULL, NULL,
			    "Right internal jugular line ends in the mid SVC.\n \n No pneumothorax."});

	check("no header at all: full report, then last_paragraph",
	      FR " PORTABLE CHEST OF ___\n \n"
		 " Stable appearance of the chest.\n \n"
		 " No new opacity.\n",
	      (struct want){NULL, NULL, NULL, NULL,
			    "Stable appearance of the chest.\n \n No new opacity."});

	check("addendum above a line of underscores",
	      "                                 FINAL ADDENDUM\n"
	      " ADDENDUM:\n \n"
	      " Findings were called to the covering team at 3:10 p.m. on ___.\n \n"
	      " ______________________________________________________________________________\n"
	      FR " EXAMINATION:  CHEST (PA AND LAT)\n \n"
		 " FINDINGS:  Right lower lobe opacity.\n \n"
		 " IMPRESSION:  Right lower lobe pneumonia.\n",
	      (struct want){NULL, NULL, "Right lower lobe opacity.", "Right lower lobe pneumonia.",
			    NULL});

	check("empty FINDINGS dropped",
	      FR " FINDINGS: \n \n IMPRESSION:  Normal chest.\n",
	      (struct want){NULL, NULL, NULL, "Normal chest.", NULL});

	/* Both dropped; the comparison section ends at the next header, so the
	 * blank line before it is not inside it and there is no last_paragraph. */
	check("empty FINDINGS and IMPRESSION",
	      FR " COMPARISON:  ___\n \n FINDINGS: \n \n IMPRESSION: \n \n",
	      (struct want){NULL, "___", NULL, NULL, NULL});

	check("the last section of a name wins",
	      FR " FINDINGS:  First findings.\n \n"
		 " IMPRESSION:  First impression.\n \n"
		 " FINDINGS:  Second findings.\n \n"
		 " CONCLUSION:  Final conclusion.\n",
	      (struct want){NULL, NULL, "Second findings.", "Final conclusion.", NULL});

	check("NDICATION is impression (official quirk)",
	      FR " NDICATION:  Looks like indication, read as impression.\n",
	      (struct want){NULL, NULL, NULL, "Looks like indication, read as impression.", NULL});

	check("dictionary, substring and pattern fallbacks",
	      FR " CLINICAL HISTORY/INDICATION:  Chest pain.\n \n"
		 " REASON FOR EXAMINATION:  Rule out pneumonia.\n \n"
		 " COMPARISONS:  ___.\n \n"
		 " PA AND LATERAL VIEWS OF THE CHEST:  Clear lungs.\n \n"
		 " IMPRESSON:  Normal.\n",
	      (struct want){"Rule out pneumonia.", "___.", "Clear lungs.", "Normal.", NULL});

	/* The search resumes after the first newline past a header, so a
	 * header-like line right under a bare header is section text. */
	check("header-like line right after a header is text",
	      FR " FINDINGS:\n PA AND LATERAL:  text after a header-like line.\n \n"
		 " IMPRESSION:  Done.\n",
	      (struct want){NULL, NULL, "PA AND LATERAL:  text after a header-like line.", "Done.",
			    NULL});

	check("Unicode whitespace after the colon and at the ends",
	      FR " INDICATION:\u00a0Fever.\u00a0\n \n IMPRESSION:\u2003No pneumonia.\u3000\n",
	      (struct want){"Fever.", NULL, NULL, "No pneumonia.", NULL});

	check("a colon at the very end is no header",
	      FR " FINDINGS:  Clear.\n IMPRESSION:",
	      (struct want){NULL, NULL, "Clear.\n IMPRESSION:", NULL, NULL});
}

static void test_names(void)
{
	static const struct {
		const char *header, *name;
	} cases[] = {
		{"FINDINGS", "findings"},
		{"IMPRESSION ", "impression"},
		{"FINDINGS/ IMPRESSION", "impression"},
		{"NDICATION", "impression"},
		{"IDICATION", "indication"},
		{"CHEST, TWO VIEWS", "findings"},
		{"RECOMMENDATION(S)", "recommendations"},
		{"WETREAD", "wet read"},
		{"PFI", "history"},
		{"FINAL IMPRESSION", "impression"},
		{"HISTORY AND FINDINGS", "findings"},
		{"PRIOR COMPARISON", "comparison"},
		{"PORTABLE UPRIGHT", "findings"},
		{"TECHNIQUE", "technique"},
		{"PROCEDURE", "procedure"},
	};
	struct cx_buf b = CX_BUF_INIT;
	char msg[128];
	for (size_t i = 0; i < CX_ARRAY_LEN(cases); i++) {
		snprintf(msg, sizeof msg, "name '%s'", cases[i].header);
		CHECK_STR(cx_section_name(cases[i].header, strlen(cases[i].header), &b),
			  cases[i].name, msg);
	}
	cx_buf_release(&b);
}

static void test_errors(void)
{
	struct cx_sections s;
	struct cx_error err = {0};
	const char bad[] = FR " IMPRESSION:  Clear \xff lungs.\n";
	CHECK_INT(cx_report_sections(bad, sizeof bad - 1, &s, &err), CX_EFORMAT,
		  "invalid UTF-8 is refused");
	CHECK_STR(err.msg, "report is not valid UTF-8", "invalid UTF-8 message");
	CHECK(s.impression == NULL, "nothing returned on error");
	const char nul[] = FR " IMPRESSION:  Clear\0 lungs.\n";
	CHECK_INT(cx_report_sections(nul, sizeof nul - 1, &s, &err), CX_EFORMAT,
		  "a NUL byte is refused");
	CHECK_STR(err.msg, "report holds a NUL byte", "NUL byte message");
	CHECK_INT(cx_report_sections("", 0, &s, &err), 0, "empty text is a report");
	CHECK(!s.findings && !s.impression && !s.last_paragraph, "empty text has no sections");
	cx_sections_release(&s);
}

int main(void)
{
	test_variants();
	test_names();
	test_errors();
	return t_done();
}
