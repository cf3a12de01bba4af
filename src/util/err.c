/* err.c - the sentences behind vigil's error codes (see err.h). */
#include "util/err.h"

const char *vigil_strerror(int err)
{
	switch (err) {
	case VIGIL_OK: return "success";
	case VIGIL_ENOMEM: return "out of memory";
	case VIGIL_EINVAL: return "invalid argument";
	case VIGIL_EIO: return "input/output error";
	case VIGIL_ESHORT: return "input too short";
	case VIGIL_ELIMIT: return "limit reached";
	case VIGIL_EFORMAT: return "malformed input";
	case VIGIL_ENOTFOUND: return "not found";
	case VIGIL_EEXIST: return "already exists";
	case VIGIL_ECHECKSUM: return "checksum mismatch";
	case VIGIL_ESYNTAX: return "syntax error";
	case VIGIL_EDB: return "database error";
	case VIGIL_ESYS: return "system call failed";
	case VIGIL_EUNSUPPORTED: return "not supported";
	case VIGIL_ESTATE: return "not allowed in this state";
	case VIGIL_ETAMPER: return "integrity check failed";
	case VIGIL_EPENDING: return "held until more input arrives";
	}
	return "unknown error";
}
