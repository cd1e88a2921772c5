/* chexpert-labels.c: being written */
