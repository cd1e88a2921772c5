/* chexpert.c: being written */
