/* vqa-rad.c: being written */
