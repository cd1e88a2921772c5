/* report-sections.c: being written */
