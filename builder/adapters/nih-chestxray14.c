/* nih-chestxray14.c: being written */
