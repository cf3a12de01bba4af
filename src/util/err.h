/*
 * err.h - vigil's error codes. Every function that can fail returns 0 (or a
 * non-negative count) on success and one of these negative codes on failure;
 * vigil_strerror() turns a code into a sentence for a person.
 */
#ifndef VIGIL_UTIL_ERR_H
#define VIGIL_UTIL_ERR_H

enum vigil_err {
	VIGIL_OK = 0,
	VIGIL_ENOMEM = -1,      /* out of memory */
	VIGIL_EINVAL = -2,      /* invalid argument or value */
	VIGIL_EIO = -3,         /* read/write/fsync failed (errno has more) */
	VIGIL_ESHORT = -4,      /* input ended before a field did */
	VIGIL_ELIMIT = -5,      /* a configured cap was reached */
	VIGIL_EFORMAT = -6,     /* input is not in the expected format */
	VIGIL_ENOTFOUND = -7,   /* no such object */
	VIGIL_EEXIST = -8,      /* object already exists */
	VIGIL_ECHECKSUM = -9,   /* stored block failed its checksum */
	VIGIL_ESYNTAX = -10,    /* syntax error in a filter, config or rule */
	VIGIL_EDB = -11,        /* database backend error */
	VIGIL_ESYS = -12,       /* system call failed (errno has more) */
	VIGIL_EUNSUPPORTED = -13, /* valid but unsupported (version, feature) */
	VIGIL_ESTATE = -14,     /* operation not allowed in the current state */
	VIGIL_ETAMPER = -15,    /* an integrity check (hash chain) failed */
	VIGIL_EPENDING = -16,   /* data held until something else arrives */
};

const char *vigil_strerror(int err);

#endif
