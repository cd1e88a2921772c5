/* mimic-cxr.c: being written */
