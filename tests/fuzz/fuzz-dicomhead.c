/*
 * fuzz-dicomhead.c - the structural walk that the DICOM header probe runs
 * before GDCM sees a file's head (image/dicom-check.c): on any bytes it must
 * stay inside the buffer (AddressSanitizer) and end, and a head it accepts
 * must hold the "DICM" preamble or a data set it could walk.
 */
#include "cx.h"

#include "image/dicom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a private copy of exactly size bytes, so any read past it is caught */
	unsigned char *head = cx_malloc(size ? size : 1);
	memcpy(head, data, size);
	struct cx_error err = {0};
	if (cx_dicom_check_header(head, size, &err) != 0 && (!err.msg[0] || strchr(err.msg, '\n')))
		abort();
	if (cx_dicom_check(head, size, &err) != 0 && !err.msg[0])
		abort();
	free(head);
	return 0;
}
