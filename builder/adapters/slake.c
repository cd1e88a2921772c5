/* slake.c: being written */
