#!/usr/bin/env python3
"""Writes the synthetic demo releases of OpenI, VQA-RAD and SLAKE, and the
broken variants their tests read.

    scripts/demo-openi-vqa-slake.py        (run from the repository root)

Everything here is made up: report text, questions and answers are our own,
written in the exact layout of the real releases (file names, element and key
order, value types and quirks; see sources/openi.md, sources/vqa-rad.md,
sources/slake.md). Images come from scripts/demo-image.py. Archives are
deterministic (sorted names, mtime 0, owner 0), so running this twice gives
the same bytes.
"""
import json
import os
import shutil
import subprocess
import sys
import zipfile

ROOT = os.getcwd()
IMG = [sys.executable, os.path.join(ROOT, "scripts", "demo-image.py")]


def write(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as f:
        f.write(data)


def image(path, seed):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run(IMG + [path, "64", "64", str(seed)], check=True)


def tgz(out, folder, members):
    """A deterministic .tgz of `members` (relative to folder)."""
    tar = subprocess.run(["tar", "-C", folder, "--sort=name", "--mtime=@0", "--owner=0",
                          "--group=0", "--numeric-owner", "--mode=a+rX,u+w,go-w", "-cf", "-"]
                         + members, check=True, stdout=subprocess.PIPE).stdout
    gz = subprocess.run(["gzip", "-n", "-9"], input=tar, check=True,
                        stdout=subprocess.PIPE).stdout
    write(out, gz)


def symlink(target, link):
    if os.path.lexists(link):
        os.remove(link)
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink(target, link)


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


# --- OpenI ------------------------------------------------------------------

def xml_text(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def openi_xml(n, sections, mesh, images):
    """One ecgen-radiology report. sections: (label, text) in release order,
    text None for an empty element; mesh: (kind, value); images: (id, caption)."""
    L = ['<?xml version="1.0" encoding="utf-8"?>', "<eCitation>",
         '   <meta type="rr"/>', f'   <uId id="CXR{n}"/>', f'   <pmcId id="{n}"/>',
         "   <docSource>CXR</docSource>", f'   <IUXRId id="{n}"/>',
         "   <licenseType>open-access</licenseType>",
         "   <licenseURL>http://creativecommons.org/licenses/by-nc-nd/4.0/</licenseURL>",
         "   <ccLicense>byncnd</ccLicense>", "   <articleURL/>",
         "   <articleDate>2013-08-01</articleDate>", "   <articleType>XR</articleType>",
         "   <publisher>Indiana University</publisher>",
         "   <title>Indiana University Chest X-ray Collection</title>",
         "   <note>The data are drawn from multiple hospital systems.</note>",
         "   <specialty>pulmonary diseases</specialty>", "   <subset>CXR</subset>",
         '   <MedlineCitation Owner="Indiana University" Status="supplied by publisher">',
         "   ", '      <Article PubModel="Electronic">', "      ",
         "         <Journal>", "         ", "            <JournalIssue>", "            ",
         "               <PubDate>", "               ", "                  <Year>2013</Year>",
         "               ", "                  <Month>08</Month>", "               ",
         "                  <Day>01</Day>", "            ", "               </PubDate>",
         "         ", "            </JournalIssue>", "      ", "         </Journal>", "      ",
         "         <ArticleTitle>Indiana University Chest X-ray Collection</ArticleTitle>",
         "      ", "         <Abstract>"]
    for label, text in sections:
        L.append("         ")
        if text is None:
            L.append(f'            <AbstractText Label="{label}"/>')
        else:
            L.append(f'            <AbstractText Label="{label}">{xml_text(text)}</AbstractText>')
    L += ["      ", "         </Abstract>", "      ",
          "         <Affiliation>Indiana University</Affiliation>", "      ",
          '         <AuthorList CompleteYN="Y">', "         ",
          '            <Author ValidYN="Y">', "            ",
          "               <LastName>Example</LastName>", "            ",
          "               <ForeName>Demo</ForeName>", "            ",
          "               <Initials>MD</Initials>", "         ", "            </Author>",
          "      ", "         </AuthorList>", "      ", "         <Language>eng</Language>",
          "      ", "         <PublicationTypeList>", "         ",
          "            <PublicationType>Radiology Report</PublicationType>", "      ",
          "         </PublicationTypeList>", "      ", "         <ArticleDate>", "         ",
          "            <Year>2013</Year>", "         ", "            <Month>08</Month>",
          "         ", "            <Day>01</Day>", "      ", "         </ArticleDate>", "   ",
          "      </Article>", "   ",
          "      <EssieArticleTitle>Indiana University Chest X-ray Collection</EssieArticleTitle>",
          "   ", "      <IMedAuthor>Demo Example MD</IMedAuthor>", "", "   </MedlineCitation>",
          "   <MeSH>"]
    for kind, value in mesh:
        L += ["   ", f"      <{kind}>{xml_text(value)}</{kind}>"]
    L += ["", "   </MeSH>"]
    for i, (iid, caption) in enumerate(images):
        L += [f'   <parentImage id="{iid}">', "      ", "      ",
              f"      <figureId>F{i + 1}</figureId>", "      ", "      ",
              f"      <caption>{xml_text(caption)}</caption>", "      ", "      ",
              '      <panel type="single">', "         ", "         ",
              f"         <url>/hadoop/storage/radiology/extract/{iid}.jpg</url>",
              "         ", "         ", "         <imgModality>7</imgModality>",
              "         ", "         ", '         <region type="panel">', "            ",
              "            ", "            <globalImageFeatures>"]
        for j, feat in enumerate(["CEDD", "ColorLayout", "EdgeHistogram", "FCTH",
                                  "SemanticContext60"]):
            k = [2, 1, 0, 4, 3][j]
            L += ["               ", "               ",
                  f"               <{feat}>f{k}p0k{(n * 37 + i * 11 + j * 101) % 2400}</{feat}>"]
        L += ["            ", "            ", "            </globalImageFeatures>", "         ",
              "         ", "         </region>", "      ", "      ", "      </panel>", "   ",
              "   ", "   </parentImage>"]
    L.append("</eCitation>")
    return "\n".join(L)


# Five reports: the CXR<n>_<n>_IM id variant (1), no images (7), an empty
# FINDINGS element (12), entities, XXXX tokens and a 3-part image suffix
# (305), no INDICATION element at all (3999).
OPENI = [
    (1, [("COMPARISON", "None."), ("INDICATION", "Cough for two weeks."),
         ("FINDINGS", "Heart size is normal. The lungs are clear without focal airspace "
                      "disease. No pleural effusion or pneumothorax."),
         ("IMPRESSION", "No acute cardiopulmonary abnormality.")],
     [("major", "normal")],
     [("CXR1_1_IM-0001-3001", "Xray Chest PA and Lateral"),
      ("CXR1_1_IM-0001-4001", "Xray Chest PA and Lateral")]),
    (7, [("COMPARISON", "Chest radiograph from XXXX."),
         ("INDICATION", "Follow-up of pneumonia."),
         ("FINDINGS", "Interval clearing of the right lower lobe opacity. Heart and "
                      "mediastinum are stable."),
         ("IMPRESSION", "Resolving right lower lobe pneumonia.")],
     [("major", "Pneumonia/lung/lower lobe/right/improving")], []),
    (12, [("COMPARISON", "None."), ("INDICATION", "XXXX-year-old with chest pain."),
          ("FINDINGS", None),
          ("IMPRESSION", "Stable mild cardiomegaly. No acute findings..")],
     [("major", "Cardiomegaly/mild"), ("automatic", "cardiomegaly")],
     [("CXR12_IM-0064-1001", "PA and lateral chest x-XXXX XXXX. "),
      ("CXR12_IM-0064-2001", "PA and lateral chest x-XXXX XXXX. ")]),
    (305, [("COMPARISON", "XXXX, XXXX"), ("INDICATION", "Shortness of breath & fever."),
           ("FINDINGS", "Patchy opacity in the left base, <3 cm. Small left pleural "
                        "effusion. Right lung clear. XXXX sternotomy wires."),
           ("IMPRESSION", "Left basilar opacity with small effusion, possibly pneumonia.")],
     [("major", "Opacity/lung/base/left/patchy"), ("major", "Pleural Effusion/left/small"),
      ("minor", "Sternotomy"), ("automatic", "pneumonia")],
     [("CXR305_IM-1418-1001-0001", "Chest, 2 views, frontal and lateral")]),
    (3999, [("COMPARISON", "None."),
            ("FINDINGS", "The cardiomediastinal silhouette is within normal limits. "
                         "Lungs are hyperexpanded. No focal consolidation."),
            ("IMPRESSION", "Hyperexpanded lungs, can be seen with emphysema.")],
     [("major", "Pulmonary Emphysema"), ("automatic", "emphysema")],
     [("CXR3999_IM-2056-1001", "Xray Chest PA and Lateral"),
      ("CXR3999_IM-2056-2001", "Xray Chest PA and Lateral")]),
]


def make_openi():
    out = os.path.join(ROOT, "sources", "openi")
    work = os.path.join(ROOT, "build-demo-openi")
    fresh(work)
    os.makedirs(out, exist_ok=True)
    os.makedirs(os.path.join(work, "ecgen-radiology"))
    pngs = []
    for seed, (n, sections, mesh, images) in enumerate(OPENI):
        write(os.path.join(work, "ecgen-radiology", f"{n}.xml"),
              openi_xml(n, sections, mesh, images))
        for k, (iid, _) in enumerate(images):
            image(os.path.join(work, "png", iid + ".png"), 10 * seed + k + 1)
            pngs.append(iid + ".png")
    tgz(os.path.join(out, "NLMCXR_reports.tgz"), work, ["ecgen-radiology"])
    tgz(os.path.join(out, "NLMCXR_png.tgz"), os.path.join(work, "png"), sorted(pngs))

    # The same reports extracted, with the same image archive.
    fx = os.path.join(ROOT, "tests", "fixtures", "openi")
    fresh(fx)
    shutil.copytree(os.path.join(work, "ecgen-radiology"),
                    os.path.join(fx, "extracted", "ecgen-radiology"))
    symlink("../../../../sources/openi/NLMCXR_png.tgz",
            os.path.join(fx, "extracted", "NLMCXR_png.tgz"))
    # Images extracted into NLMCXR_png/ instead of the archive.
    symlink("../extracted/ecgen-radiology", os.path.join(fx, "png-folder", "ecgen-radiology"))
    shutil.copytree(os.path.join(work, "png"), os.path.join(fx, "png-folder", "NLMCXR_png"))
    # Extracted and archived copies side by side: each name is read once.
    os.makedirs(os.path.join(fx, "both", "ecgen-radiology"))
    shutil.copy(os.path.join(work, "ecgen-radiology", "1.xml"),
                os.path.join(fx, "both", "ecgen-radiology", "1.xml"))
    symlink("../../../../sources/openi/NLMCXR_reports.tgz",
            os.path.join(fx, "both", "NLMCXR_reports.tgz"))
    shutil.rmtree(work)

    good = openi_xml(20, [("FINDINGS", "Clear lungs."), ("IMPRESSION", "Normal.")], [],
                     [("CXR20_IM-0600-1001", "Xray Chest PA and Lateral")])
    broken = {
        # Unclosed <AbstractText> (the end tag is misspelt).
        "21.xml": openi_xml(21, [("FINDINGS", "Clear lungs.")], [], []).replace(
            "Clear lungs.</AbstractText>", "Clear lungs.</AbstractTxt>"),
        # A Latin-1 byte where UTF-8 is declared.
        "22.xml": openi_xml(22, [("FINDINGS", "Clear lungs \xb5.")], [], []).encode(
            "utf-8").replace(b"\xc2\xb5", b"\xb5"),
        "23.xml": openi_xml(23, [("FINDINGS", "Clear lungs.")], [], []).replace(
            '   <uId id="CXR23"/>\n', ""),
        "24.xml": openi_xml(24, [("FINDINGS", "Clear lungs.")], [], []).replace(
            'uId id="CXR24"', 'uId id="IU24"'),
        "25.xml": openi_xml(25, [("FINDINGS", "One."), ("FINDINGS", "Two.")], [], []),
        "26.xml": openi_xml(26, [("FINDINGS", "Clear lungs.")], [], []).replace(
            "eCitation>", "Citation>"),
        "27.xml": b"",
        "20.xml": good,
    }
    for name, text in broken.items():
        write(os.path.join(fx, "broken", "ecgen-radiology", name), text)


# --- VQA-RAD ----------------------------------------------------------------

def vqa_rad_record(qid, phrase, image, organ, question, qtype, answer, atype,
                   rephrase="NULL", relation="NULL", frame="NULL", evaluation="not evaluated",
                   drop_rephrase=False):
    case = {"synpic30011.jpg": "5c1e1f0a-7d44-4a0c-9f1e-2b7d3c6a1e01",
            "synpic30224.jpg": "8a2f6b11-1c3d-4e55-a0b2-77c9d1e4f302",
            "synpic41807.jpg": "0d9e3c42-6b7a-4f18-8c21-93ab5e0f7d03",
            "synpic52003.jpg": "e4b7a913-2f6c-4d80-b5a9-1c0e8f3d2a04",
            "synpic17760.jpg": "71c5d8e6-9a3b-4c2f-8e17-5f6a0b4c9d05"}[image]
    r = {"qid": qid, "phrase_type": phrase,
         "qid_linked_id": "%08x-%04x-4%03x-a%03x-%012x" % (
             0x3a5f0000 + int(qid), int(qid) * 7, int(qid) % 4096, int(qid) * 3 % 4096,
             0x1d2e3f400000 + int(qid)),
         "image_case_url": "https://medpix.nlm.nih.gov/case?id=" + case,
         "image_name": image, "image_organ": organ, "evaluation": evaluation,
         "question": question, "question_rephrase": rephrase, "question_relation": relation,
         "question_frame": frame, "question_type": qtype, "answer": answer,
         "answer_type": atype}
    if drop_rephrase:
        del r["question_rephrase"]
    return r


VQA_RAD = [
    # The first qid is a string, as in the release; HEAD is filtered.
    vqa_rad_record("0", "freeform", "synpic52003.jpg", "HEAD",
                   "Is there a midline shift?", "PRES", "No", "CLOSED"),
    vqa_rad_record(1, "freeform", "synpic30011.jpg", "CHEST",
                   "Is the heart enlarged?", "SIZE", "Yes", "CLOSED", evaluation="given"),
    vqa_rad_record(2, "freeform", "synpic30011.jpg", "CHEST",
                   "Is there fluid in the left costophrenic angle?", "PRES", "yes", "CLOSED"),
    vqa_rad_record(3, "freeform", "synpic30011.jpg", "CHEST",
                   "Where is the effusion located?", "POS, PRES", "Left pleural space",
                   "OPEN"),
    vqa_rad_record(4, "freeform", "synpic17760.jpg", "ABD",
                   "Is the bowel dilated?", "ABN", "no", "CLOSED"),
    # An int answer.
    vqa_rad_record(5, "freeform", "synpic30224.jpg", "CHEST",
                   "How many chest tubes are present?", "COUNT", 2, "OPEN"),
    # "CLOSED " with a trailing space.
    vqa_rad_record(6, "freeform", "synpic30224.jpg", "CHEST",
                   "Is the trachea deviated?", "ATTRIB", "No", "CLOSED "),
    # No question_rephrase key.
    vqa_rad_record(7, "test_freeform", "synpic30224.jpg", "CHEST",
                   "Is there a pneumothorax on the right?", "PRES", "Yes", "CLOSED",
                   relation="strict agreement", evaluation="evaluated", drop_rephrase=True),
    vqa_rad_record(8, "test_para", "synpic30224.jpg", "CHEST",
                   "Is air present in the right pleural space?", "PRES", "Yes", "CLOSED",
                   rephrase="Is there a pneumothorax on the right?",
                   relation="strict agreement", evaluation="evaluated",
                   frame="Is/Are there air in the patient's pleural space?"),
    vqa_rad_record(9, "para", "synpic30011.jpg", "CHEST",
                   "Does the cardiac silhouette look too large?", "SIZE", "Yes", "CLOSED",
                   rephrase="Is the heart enlarged?", relation="strict agreement",
                   evaluation="evaluated"),
    vqa_rad_record(10, "test_freeform", "synpic52003.jpg", "HEAD",
                   "What imaging modality was used?", "MODALITY", "CT", "OPEN",
                   evaluation="given"),
    vqa_rad_record(11, "test_freeform", "synpic41807.jpg", "CHEST",
                   "What is the abnormality in the right upper lobe?", "ABN",
                   "Cavitary lesion", "OPEN"),
    vqa_rad_record(12, "freeform", "synpic41807.jpg", "CHEST",
                   "What plane is this film taken in?", "PLANE", "PA", "OPEN",
                   evaluation="given"),
    vqa_rad_record(13, "test_freeform", "synpic41807.jpg", "CHEST",
                   "Is this a\tfrontal view?", "PLANE", "yes", "CLOSED"),
]


def vqa_rad_json(records):
    return json.dumps(records, indent=3)


def make_vqa_rad():
    out = os.path.join(ROOT, "sources", "vqa-rad")
    fresh(out)
    write(os.path.join(out, "VQA_RAD Dataset Public.json"), vqa_rad_json(VQA_RAD))
    names = sorted({r["image_name"] for r in VQA_RAD})
    for seed, name in enumerate(names):
        image(os.path.join(out, "VQA_RAD Image Folder", name), 100 + seed)

    fx = os.path.join(ROOT, "tests", "fixtures", "vqa-rad")
    fresh(fx)
    ok = vqa_rad_record(40, "freeform", "synpic30011.jpg", "CHEST", "Is this a PA film?",
                        "PLANE", "Yes", "CLOSED")
    bad = [
        "not a record",
        {k: v for k, v in ok.items() if k != "question"},
        dict(ok, answer=["Yes"]),
        dict(ok, image_name="NULL"),
        dict(ok, answer_type="MAYBE"),
        dict(ok, qid=41.5),
        dict(ok, image_name="../synpic30011.jpg"),
        dict(ok, question="Is this a PA film?BADBYTE"),
        dict(ok, image_organ="HEAD", question=7),
        ok,
    ]
    text = vqa_rad_json(bad).encode("utf-8").replace(b"BADBYTE", b"\xff")
    write(os.path.join(fx, "bad-records", "VQA_RAD Dataset Public.json"), text)
    # A syntax error on line 5 (a missing comma).
    lines = vqa_rad_json([ok]).split("\n")
    lines[4] = lines[4].rstrip(",")
    write(os.path.join(fx, "malformed", "VQA_RAD Dataset Public.json"), "\n".join(lines))
    write(os.path.join(fx, "not-a-list", "VQA_RAD Dataset Public.json"),
          json.dumps({"records": [ok]}, indent=3))
    # Only the XML export of the release was downloaded.
    write(os.path.join(fx, "missing", "VQA_RAD Dataset Public.xml"),
          '<?xml version="1.0"?>\n<VQA_RAD/>\n')


# --- SLAKE ------------------------------------------------------------------

def slake_record(qid, img_id, question, answer, lang, location, modality, atype, ctype,
                 base="vqa", triple=("vhead", "_", "_"), ctype_last=False):
    r = {"img_id": img_id, "img_name": f"xmlab{img_id}/source.jpg", "question": question,
         "answer": answer, "q_lang": lang, "location": location, "modality": modality,
         "answer_type": atype, "base_type": base}
    if not ctype_last:
        r["content_type"] = ctype
    r["triple"] = list(triple)
    r["qid"] = qid
    if ctype_last:
        r["content_type"] = ctype
    return r


def slake_json(records):
    # As released: one line, ", " and ": " separators, UTF-8 text unescaped.
    return json.dumps(records, ensure_ascii=False)


XR, LUNG = "X-Ray", "Lung"
SLAKE_TRAIN = [
    slake_record(0, 3, "What modality is used to take this image?", "MRI", "en", "Brain",
                 "MRI", "OPEN", "Modality"),
    slake_record(1, 201, "What modality is used to take this image?", "X-Ray", "en", LUNG, XR,
                 "OPEN", "Modality"),
    slake_record(2, 201, "Which part of the body does this image belong to?", "Chest", "en",
                 LUNG, XR, "OPEN", "Position"),
    slake_record(3, 201, "Does the lung look abnormal?", "Yes", "en", LUNG, XR, "CLOSED",
                 "Abnormality"),
    slake_record(4, 201, "Where is the abnormality?", "Left Lung, Lower", "en", LUNG, XR,
                 "OPEN", "Position", ctype_last=True),
    slake_record(5, 201, "What is the function of the organ on the right side of this image?",
                 "Breathe", "en", LUNG, XR, "OPEN", "KG", base="kvqa",
                 triple=("vhead", "function", "ktail"), ctype_last=True),
    slake_record(6, 57, "Does the picture contain the heart?", "Yes", "en", "Chest_heart", "CT",
                 "CLOSED", "Organ"),
    slake_record(4919, 201, "这张图片的成像方式是什么?", "X-Ray", "zh", LUNG, XR, "OPEN",
                 "Modality"),
    slake_record(4920, 57, "图片中包含心脏吗?", "是", "zh", "Chest_heart", "CT", "CLOSED",
                 "Organ"),
]
SLAKE_VAL = [
    slake_record(9835, 202, "Is this a frontal view?", "Yes", "en", LUNG, XR, "CLOSED", "Plane"),
    slake_record(9836, 202, "How many lungs are shown in this image?", "2", "en", LUNG, XR,
                 "OPEN", "Quantity", ctype_last=True),
    slake_record(9837, 202, "Is the heart enlarged?", "No", "en", LUNG, XR, "CLOSED", "Size"),
    slake_record(9838, 88, "What is the largest organ in the picture?", "Lung", "en", "Lung",
                 "CT", "OPEN", "Size", ctype_last=True),
    slake_record(10888, 202, "图中的肺是否健康?", "否", "zh", LUNG, XR, "CLOSED", "Abnormality"),
    slake_record(10889, 88, "这张图片的成像方式是什么?", "CT", "zh", "Lung", "CT", "OPEN",
                 "Modality"),
]
SLAKE_TEST = [
    slake_record(11934, 203, "What diseases are included in the picture?", "Pneumonia", "en",
                 LUNG, XR, "OPEN", "Abnormality"),
    slake_record(11935, 203, "Is this image taken via X-Ray?", "Yes", "en", LUNG, XR, "CLOSED",
                 "Modality"),
    slake_record(11936, 203, "Which organs appear in this image?", "Lung, Heart", "en", LUNG,
                 XR, "OPEN", "Organ", ctype_last=True),
    slake_record(11937, 201, "Which side of the lung is abnormal?", "Left", "en", LUNG, XR,
                 "OPEN", "Position"),
    slake_record(11938, 14, "Does the picture contain liver?", "Yes", "en", "Abdomen", "MRI",
                 "CLOSED", "Organ", ctype_last=True),
    slake_record(12995, 203, "这张图片属于身体的哪个部位?", "胸部", "zh", LUNG, XR, "OPEN",
                 "Position"),
    slake_record(12996, 14, "这是哪种加权方式?", "T1", "zh", "Abdomen", "MRI", "OPEN",
                 "Modality"),
]


def make_slake():
    out = os.path.join(ROOT, "sources", "slake")
    fresh(out)
    for name, recs in (("train.json", SLAKE_TRAIN), ("validate.json", SLAKE_VAL),
                       ("test.json", SLAKE_TEST)):
        write(os.path.join(out, name), slake_json(recs))
    ids = sorted({r["img_id"] for r in SLAKE_TRAIN + SLAKE_VAL + SLAKE_TEST})
    for img_id in ids:
        image(os.path.join(out, "imgs", f"xmlab{img_id}", "source.jpg"), 200 + img_id)

    fx = os.path.join(ROOT, "tests", "fixtures", "slake")
    fresh(fx)
    # The Hugging Face naming, images in imgs.zip (members under imgs/).
    hf = os.path.join(fx, "hf")
    os.makedirs(hf)
    for name, link in (("train.json", "train.json"), ("validate.json", "validation.json"),
                       ("test.json", "test.json")):
        symlink(f"../../../../sources/slake/{name}", os.path.join(hf, link))
    with zipfile.ZipFile(os.path.join(hf, "imgs.zip"), "w", zipfile.ZIP_STORED) as z:
        for img_id in ids:
            info = zipfile.ZipInfo(f"imgs/xmlab{img_id}/source.jpg", (1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            with open(os.path.join(out, "imgs", f"xmlab{img_id}", "source.jpg"), "rb") as f:
                z.writestr(info, f.read())
    # test.json missing.
    for name in ("train.json", "validate.json"):
        symlink(f"../../../../sources/slake/{name}", os.path.join(fx, "no-test", name))
    # Bad records in train.json; empty validate and test lists.
    ok = slake_record(100, 201, "Is the lung healthy?", "No", "en", LUNG, XR, "CLOSED",
                      "Abnormality")
    bad = [
        ["not", "a", "record"],
        dict(ok, qid="100"),
        dict(ok, answer=["No"]),
        {k: v for k, v in ok.items() if k != "q_lang"},
        dict(ok, answer="NoBADBYTE"),
        dict(ok, answer_type="closed"),
        dict(ok, img_name="../xmlab201/source.jpg"),
        dict(ok, question=""),
        dict(ok, qid=101, answer=1),
        ok,
    ]
    write(os.path.join(fx, "bad", "train.json"),
          slake_json(bad).encode("utf-8").replace(b"BADBYTE", b"\xc3\x28"))
    write(os.path.join(fx, "bad", "validate.json"), "[]")
    write(os.path.join(fx, "bad", "test.json"), "[]")
    # A lone surrogate escape: does cJSON let it through?
    write(os.path.join(fx, "surrogate", "train.json"),
          slake_json([dict(ok, answer="SURR")]).replace("SURR", "\\ud800"))
    write(os.path.join(fx, "surrogate", "validate.json"), "[]")
    write(os.path.join(fx, "surrogate", "test.json"), "[]")


if __name__ == "__main__":
    make_openi()
    make_vqa_rad()
    make_slake()
