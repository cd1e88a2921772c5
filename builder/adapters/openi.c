/* openi.c: being written */
