/*
 * card.c - the dataset card: README.md beside every shard set, a
 * human-readable account of what the folder holds, made from its
 * manifest.json and nothing else, so the two cannot disagree (a test reads
 * both). It says what the set holds (split, records, shards, format,
 * access), counts per capability, task, dataset and mix entry (with the
 * mix's hygiene policies and requests), each source's versions, licence,
 * access class and citation, the seeds, fingerprints and options that
 * reproduce it, what was left out and why, and where the rules depart
 * from the official CheXinstruct build (the table of DEVIATIONS.md,
 * embedded at compile time). Deterministic: the same manifest gives the
 * same bytes.
 */
#include "cx.h"

#include <cjson/cJSON.h>

#include "shard/card.h"

extern const char cx_deviations_md[];

/* Citations of the releases, by source id: the papers their notes
 * (sources/<id>.md) ask users to cite, and the dataset records where the
 * release asks for those too. All but the ChestX-Det, ChestX-Det10,
 * Object-CXR and MS-CXR ones (added after) were checked against the paper's record
 * (publisher, PubMed, PhysioNet or arXiv page) on 30 November 2026, but for
 * COVID-Net's and RSNA's journal records and the SIIM-ACR competition's
 * author list, which could not be reached and stay as they were. A source
 * without one here gets a pointer to its note. */
static const struct {
	const char *source, *citation;
} citations[] = {
	{"brax", "Reis EP, de Paiva JPQ, da Silva MCB, et al. BRAX, Brazilian labeled chest x-ray "
		 "dataset. Scientific Data 9, 487 (2022), doi:10.1038/s41597-022-01608-8."},
	{"candid-ptx", "Feng S, Azzollini D, Kim JS, et al. Curation of the CANDID-PTX Dataset "
		       "with Free-Text Reports. Radiology: Artificial Intelligence 3(6), e210136 "
		       "(2021), doi:10.1148/ryai.2021210136."},
	{"chestx-det", "Lian J, Liu J, Zhang S, et al. A Structure-Aware Relation Network for "
		       "Thoracic Diseases Detection and Segmentation. IEEE Transactions on Medical "
		       "Imaging 40(8), 2021; and the ChestX-ray14 citation, whose images it boxes."},
	{"chestx-det10", "Liu J, Lian J, Yu Y. ChestX-Det10: Chest X-ray Dataset on Detection "
			 "of Thoracic Abnormalities. arXiv:2006.10550 (2020); and the ChestX-ray14 "
			 "citation, whose images it boxes."},
	{"chexpert", "Irvin J, Rajpurkar P, Ko M, et al. CheXpert: A Large Chest Radiograph "
		     "Dataset with Uncertainty Labels and Expert Comparison. AAAI 2019, "
		     "doi:10.1609/aaai.v33i01.3301590."},
	{"covidx", "Wang L, Lin ZQ, Wong A. COVID-Net: a tailored deep convolutional neural "
		   "network design for detection of COVID-19 cases from chest X-ray images. "
		   "Scientific Reports 10, 19549 (2020); and, for CXR-4, Wu Y, Gunraj H, Tai CA, "
		   "Wong A. COVIDx CXR-4: An Expanded Multi-Institutional Open-Source Benchmark "
		   "Dataset for Chest X-ray Image-Based Computer-Aided COVID-19 Diagnostics. "
		   "arXiv:2311.17677 (2023)."},
	{"cxr-lt", "Holste G, Lin M, Wang S, Zhou Y, Wei Y, Chen H, Wang A, Peng Y. CXR-LT: "
		   "Multi-Label Long-Tailed Classification on Chest X-Rays (version 2.0.0). "
		   "PhysioNet (2025), doi:10.13026/ryj9-x506; Holste G, Zhou Y, Wang S, et al. "
		   "Towards long-tailed, multi-label disease classification from chest X-ray: "
		   "Overview of the CXR-LT challenge. arXiv:2310.16112 (2023); Lin M, Holste G, "
		   "Wang S, et al. CXR-LT 2024: A MICCAI challenge on long-tailed, multi-label, "
		   "and zero-shot disease classification from chest X-ray. arXiv:2506.07984 "
		   "(2025); and the MIMIC-CXR citation, whose images it labels."},
	{"ms-cxr", "Boecking B, Usuyama N, Bannur S, et al. Making the Most of Text Semantics "
		   "to Improve Biomedical Vision-Language Processing. ECCV 2022; and the "
		   "MIMIC-CXR citation, whose images it boxes."},
	{"ms-cxr-t", "Bannur S, Hyland S, Liu Q, et al. Learning to Exploit Temporal "
		     "Structure for Biomedical Vision-Language Processing. CVPR 2023, "
		     "15016-15027 (arXiv:2301.04558); the dataset: Bannur S, Hyland S, Liu Q, "
		     "et al. MS-CXR-T (version 1.0.0). PhysioNet (2023), doi:10.13026/pg10-j984; "
		     "and the MIMIC-CXR citation, whose images it pairs."},
	{"jsrt", "Shiraishi J, Katsuragawa S, Ikezoe J, et al. Development of a digital image "
		 "database for chest radiographs with and without a lung nodule: receiver "
		 "operating characteristic analysis of radiologists' detection of pulmonary "
		 "nodules. AJR 174(1), 71-74 (2000), doi:10.2214/ajr.174.1.1740071."},
	{"mimic-cxr", "Johnson AEW, Pollard TJ, Berkowitz SJ, et al. MIMIC-CXR, a de-identified "
		      "publicly available database of chest radiographs with free-text reports. "
		      "Scientific Data 6, 317 (2019), doi:10.1038/s41597-019-0322-0; Johnson "
		      "AEW, Pollard TJ, Greenbaum NR, et al. MIMIC-CXR-JPG, a large publicly "
		      "available database of labeled chest radiographs. arXiv:1901.07042 (2019); "
		      "and Goldberger AL, Amaral LAN, Glass L, et al. PhysioBank, PhysioToolkit, "
		      "and PhysioNet: components of a new research resource for complex "
		      "physiologic signals. Circulation 101(23), e215-e220 (2000)."},
	{"nih-chestxray14", "Wang X, Peng Y, Lu L, Lu Z, Bagheri M, Summers RM. ChestX-ray8: "
			    "Hospital-scale Chest X-ray Database and Benchmarks on "
			    "Weakly-Supervised Classification and Localization of Common Thorax "
			    "Diseases. CVPR 2017, 2097-2106."},
	{"nlm-tb", "Jaeger S, Candemir S, Antani S, Wang YXJ, Lu PX, Thoma G. Two public chest "
		   "X-ray datasets for computer-aided screening of pulmonary diseases. Quant "
		   "Imaging Med Surg 4(6), 2014."},
	{"object-cxr", "JF Healthcare. object-CXR: Automatic detection of foreign objects on "
		       "chest X-rays. MIDL 2020 challenge (github jfhealthcare/object-CXR)."},
	{"openi", "Demner-Fushman D, Kohli MD, Rosenman MB, et al. Preparing a collection of "
		  "radiology examinations for distribution and retrieval. JAMIA 23(2), 304-310 "
		  "(2016), doi:10.1093/jamia/ocv080."},
	{"padchest", "Bustos A, Pertusa A, Salinas JM, de la Iglesia-Vaya M. PadChest: A large "
		     "chest x-ray image dataset with multi-label annotated reports. Medical "
		     "Image Analysis 66, 101797 (2020)."},
	{"rsna-pneumonia", "Shih G, Wu CC, Halabi SS, et al. Augmenting the National Institutes "
			   "of Health Chest Radiograph Dataset with Expert Annotations of "
			   "Possible Pneumonia. Radiology: Artificial Intelligence 1(1), 2019."},
	{"siim-acr", "Zawacki A, Wu C, Shih G, et al. SIIM-ACR Pneumothorax Segmentation. Kaggle "
		     "competition (2019); its images are NIH ChestX-ray14's (cite that too)."},
	{"slake", "Liu B, Zhan LM, Xu L, Ma L, Yang Y, Wu XM. SLAKE: A Semantically-Labeled "
		  "Knowledge-Enhanced Dataset for Medical Visual Question Answering. ISBI 2021, "
		  "1650-1654."},
	{"vindr-cxr", "Nguyen HQ, Lam K, Le LT, et al. VinDr-CXR: An open dataset of chest "
		      "X-rays with radiologist's annotations. Scientific Data 9, 429 (2022), "
		      "doi:10.1038/s41597-022-01498-w."},
	{"vindr-pcxr", "Pham HH, Nguyen NH, Tran TT, Nguyen TNM, Nguyen HQ. PediCXR: An open, "
		       "large-scale chest radiograph dataset for interpretation of common "
		       "thoracic diseases in children. Scientific Data 10, 240 (2023), "
		       "doi:10.1038/s41597-023-02102-5."},
	{"vqa-rad", "Lau JJ, Gayen S, Ben Abacha A, Demner-Fushman D. A dataset of clinically "
		    "generated visual questions and answers about radiology images. Scientific "
		    "Data 5, 180251 (2018), doi:10.1038/sdata.2018.251."},
};

static const char chexinstruct_citation[] =
	"Chen Z, Varma M, Xu J, et al. CheXagent: Towards a Foundation Model for Chest X-Ray "
	"Interpretation. arXiv:2401.12208 (2024): CheXinstruct, the dataset this set rebuilds.";

const char *cx_card_citation(const char *source)
{
	for (size_t i = 0; i < CX_ARRAY_LEN(citations); i++)
		if (!strcmp(citations[i].source, source))
			return citations[i].citation;
	return NULL;
}

/* Table cells: '|' and line breaks would break the row. */
static void cell(struct cx_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			cx_buf_adds(b, "\\|");
		else if (*s == '\n' || *s == '\r')
			cx_buf_addc(b, ' ');
		else
			cx_buf_addc(b, *s);
	}
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static long long num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

/* A {"name": count} object as a two-column table, in the manifest's order. */
static void count_table(struct cx_buf *b, const char *title, const char *what, const cJSON *obj)
{
	cx_buf_addf(b, "\n### Per %s\n\n| %s | records |\n|---|---:|\n", title, what);
	const cJSON *e;
	cJSON_ArrayForEach(e, obj) {
		cx_buf_adds(b, "| ");
		cell(b, e->string);
		cx_buf_addf(b, " | %lld |\n", (long long)e->valuedouble);
	}
}

/* Records per capability: the mix entries' records, summed, in name order. */
static void capability_table(struct cx_buf *b, const cJSON *mix)
{
	cJSON *caps = cJSON_CreateObject();
	const cJSON *e;
	cJSON_ArrayForEach(e, mix) {
		const char *c = str(e, "capability");
		cJSON *have = cJSON_GetObjectItemCaseSensitive(caps, c);
		if (have)
			cJSON_SetNumberValue(have, have->valuedouble + (double)num(e, "records"));
		else
			cJSON_AddNumberToObject(caps, c, (double)num(e, "records"));
	}
	/* sorted by name: insertion order follows the manifest's entries */
	size_t n = (size_t)cJSON_GetArraySize(caps);
	const cJSON **v = cx_calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;
	cJSON_ArrayForEach(e, caps)
		v[k++] = e;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1]->string, v[j]->string) > 0; j--) {
			const cJSON *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	cx_buf_adds(b, "\n### Per capability\n\n| capability | records |\n|---|---:|\n");
	for (size_t i = 0; i < n; i++) {
		cx_buf_adds(b, "| ");
		cell(b, v[i]->string);
		cx_buf_addf(b, " | %lld |\n", (long long)v[i]->valuedouble);
	}
	free(v);
	cJSON_Delete(caps);
}

static void entry_table(struct cx_buf *b, const cJSON *mix)
{
	cx_buf_adds(b, "\n### Per entry (the mix)\n\n| entry | source | licence | access |"
		       " available | requested | achieved | records |\n"
		       "|---|---|---|---|---:|---:|---:|---:|\n");
	const cJSON *e;
	cJSON_ArrayForEach(e, mix) {
		const cJSON *req = cJSON_GetObjectItemCaseSensitive(e, "requested");
		const cJSON *ach = cJSON_GetObjectItemCaseSensitive(e, "achieved");
		cx_buf_adds(b, "| ");
		cell(b, str(e, "entry"));
		cx_buf_adds(b, " | ");
		cell(b, str(e, "source"));
		cx_buf_adds(b, " | ");
		cell(b, str(e, "license"));
		cx_buf_adds(b, " | ");
		cell(b, str(e, "access"));
		cx_buf_addf(b, " | %lld | %.4f | %.4f | %lld |\n", num(e, "available"),
			    cJSON_IsNumber(req) ? req->valuedouble : 0.0,
			    cJSON_IsNumber(ach) ? ach->valuedouble : 0.0, num(e, "records"));
	}
}

/* The mix's hygiene policies (entries whose split hygiene a mix loosened,
 * with the leak each accepts) and its requests (weights or shares per
 * dataset, task or entry), when it has any. */
static void mix_sections(struct cx_buf *b, const cJSON *mix, const cJSON *requests)
{
	const cJSON *e;
	int any = 0;
	cJSON_ArrayForEach(e, mix) {
		const cJSON *leaks = cJSON_GetObjectItemCaseSensitive(e, "leaks");
		if (!cJSON_GetObjectItemCaseSensitive(e, "hygiene"))
			continue;
		if (!any++)
			cx_buf_adds(b, "\n### Hygiene policies (the mix)\n\n| entry | hygiene |"
				       " leaks kept |\n|---|---|---|\n");
		char *l = cJSON_PrintUnformatted(leaks);
		cx_buf_adds(b, "| ");
		cell(b, str(e, "entry"));
		cx_buf_adds(b, " | ");
		cell(b, str(e, "hygiene"));
		cx_buf_adds(b, " | `");
		cell(b, l ? l : "{}");
		cx_buf_adds(b, "` |\n");
		free(l);
	}
	if (cJSON_GetArraySize(requests) == 0)
		return;
	cx_buf_adds(b, "\n### Requests (the mix)\n\n| request | weight or share | requested |"
		       " records | short |\n|---|---:|---:|---:|---|\n");
	cJSON_ArrayForEach(e, requests) {
		const cJSON *k = e->child, *v = cJSON_GetObjectItemCaseSensitive(e, "share");
		if (!v)
			v = cJSON_GetObjectItemCaseSensitive(e, "weight");
		cx_buf_adds(b, "| ");
		cell(b, k && k->string ? k->string : "");
		cx_buf_adds(b, " ");
		cell(b, cJSON_IsString(k) ? k->valuestring : "");
		cx_buf_addf(b, " | %s %.6g | %lld | %lld | %s |\n",
			    cJSON_GetObjectItemCaseSensitive(e, "share") ? "share" : "weight",
			    cJSON_IsNumber(v) ? v->valuedouble : 0.0, num(e, "requested"),
			    num(e, "records"),
			    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "short")) ? "yes" : "no");
	}
}

static void sources_section(struct cx_buf *b, const cJSON *m)
{
	const cJSON *srcs = cJSON_GetObjectItemCaseSensitive(m, "sources"), *s;
	cx_buf_adds(b, "\n## Sources, licences and citations\n\n"
		       "| source | dataset | versions | licence | access | records |\n"
		       "|---|---|---|---|---|---:|\n");
	cJSON_ArrayForEach(s, srcs) {
		cx_buf_adds(b, "| ");
		cell(b, str(s, "source"));
		cx_buf_adds(b, " | ");
		cell(b, str(s, "dataset"));
		cx_buf_adds(b, " | ");
		cell(b, str(s, "versions"));
		cx_buf_adds(b, " | ");
		cell(b, str(s, "license"));
		cx_buf_adds(b, " | ");
		cell(b, str(s, "access"));
		cx_buf_addf(b, " | %lld |\n", num(s, "records"));
	}
	cx_buf_adds(b, "\nEach record's metadata names its `source`, `license` and `access`. The"
		       " licences bind whoever holds these files: `credentialed` sources may not be"
		       " passed on to anyone without the same credentials, and terms such as"
		       " NC (non-commercial) or ND (no derivatives) hold for public ones too.\n\n"
		       "Cite the sources the set holds:\n\n");
	cJSON_ArrayForEach(s, srcs) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(s, "citation");
		cx_buf_adds(b, "- ");
		cell(b, str(s, "dataset"));
		cx_buf_adds(b, ": ");
		if (cJSON_IsString(c))
			cx_buf_adds(b, c->valuestring);
		else
			cx_buf_addf(b, "see `sources/%s.md` of chexinstruct", str(s, "source"));
		cx_buf_addc(b, '\n');
	}
	cx_buf_addf(b, "- CheXinstruct: %s\n", chexinstruct_citation);
}

/* The deviations table of DEVIATIONS.md: "| N | what | ..." rows. */
static void deviations_section(struct cx_buf *b)
{
	cx_buf_adds(b, "\n## Deviations from the official build\n\nThe records follow"
		       " chexinstruct's rules, which depart from the official CheXinstruct build"
		       " (Stanford-AIMI/CheXagent, `data_chexinstruct/`) on purpose in these"
		       " points; `DEVIATIONS.md` of chexinstruct gives each one's rule on both"
		       " sides and its reason:\n\n");
	for (const char *p = cx_deviations_md; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int n = 0, at = 0;
		if (len > 4 && sscanf(p, "| %d | %n", &n, &at) == 1 && at > 0 && (size_t)at < len) {
			const char *what = p + at, *bar = memchr(what, '|', len - (size_t)at);
			size_t wl = bar ? (size_t)(bar - what) : len - (size_t)at;
			while (wl && what[wl - 1] == ' ')
				wl--;
			cx_buf_addf(b, "%d. %.*s\n", n, (int)wl, what);
		}
		p += len + (end ? 1 : 0);
	}
}

static void config_lines(struct cx_buf *b, const cJSON *m)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(m, "config"), *e;
	cx_buf_addf(b, "\n## Reproducing it\n\n- shard seed (`shard --seed`): %lld\n"
		       "- build seed (`build --seed`): %lld\n- catalogue fingerprint: `%s`\n"
		       "- template fingerprint: `%s`\n", num(m, "seed"), num(m, "build_seed"),
		    str(m, "catalogue_fingerprint"), str(m, "template_fingerprint"));
	cJSON_ArrayForEach(e, cfg) {
		char *v = cJSON_PrintUnformatted(e);
		cx_buf_adds(b, "- ");
		cell(b, e->string);
		cx_buf_adds(b, ": `");
		cell(b, v);
		cx_buf_adds(b, "`\n");
		free(v);
	}
	cx_buf_adds(b, "\nThe same catalogue (fingerprint), templates (fingerprint), options and"
		       " seeds give these files byte for byte. Each shard's size and XXH3 are in"
		       " `manifest.json`; `chexinstruct verify` checks them.\n");
}

int cx_shard_card(const char *manifest, struct cx_buf *out, struct cx_error *err)
{
	cJSON *m = cJSON_Parse(manifest);
	if (!cJSON_IsObject(m)) {
		cJSON_Delete(m);
		return cx_error_set(err, CX_EFORMAT, "card: the manifest is not a JSON object");
	}
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(m, "counts");
	const cJSON *mix = cJSON_GetObjectItemCaseSensitive(m, "mix");
	const cJSON *removed = cJSON_GetObjectItemCaseSensitive(m, "removed"), *e;
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(m, "config");
	cx_buf_addf(out, "# chexinstruct shards: %s split\n\nMade by `chexinstruct shard` from"
			 " `manifest.json`, which holds the same facts as JSON; a rerun rewrites"
			 " this file.\n\n## What it holds\n\n- split: %s\n- records: %lld, in %d"
			 " shards (%s format), %lld bytes\n- access: %s (%s)\n",
		    str(m, "split"), str(m, "split"), num(m, "records"),
		    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "shards")),
		    str(m, "record_format"), num(m, "bytes"), str(cfg, "access"),
		    strcmp(str(cfg, "access"), "public") ? "every source of the catalogue"
		    : "`shard --access public`: sources that need credentials left out");
	cx_buf_addf(out, "- left out: %lld (`leakage.json` lists each with its reason)",
		    num(removed, "total"));
	const char *sep = ": ";
	cJSON_ArrayForEach(e, removed) {
		if (!strcmp(e->string, "total"))
			continue;
		cx_buf_addf(out, "%s%s %lld", sep, e->string, (long long)e->valuedouble);
		sep = ", ";
	}
	cx_buf_adds(out, "\n\n## Counts\n");
	capability_table(out, mix);
	count_table(out, "task", "task", cJSON_GetObjectItemCaseSensitive(counts, "task"));
	count_table(out, "dataset", "dataset", cJSON_GetObjectItemCaseSensitive(counts, "dataset"));
	entry_table(out, mix);
	mix_sections(out, mix, cJSON_GetObjectItemCaseSensitive(m, "requests"));
	sources_section(out, m);
	config_lines(out, m);
	deviations_section(out);
	cJSON_Delete(m);
	return 0;
}
