/*
 * A stand-in for NVIDIA's libnvidia-ml.so.1: the entry points the runner calls, answering with values recorded from
 * an A100 machine (driver 535), so the runner's real loading and marshalling run without a GPU.
 *
 * It reads its configuration at nvmlInit_v2 from fake_nvml.conf in the folder that holds this library (found with
 * dladdr), one key=value a line:
 *   count=N            how many GPUs nvmlDeviceGetCount_v2 reports (default 4; any number, to test a bad count)
 *   fail=NAME[:CODE]   the entry point NAME answers CODE (default 999, NVML_ERROR_UNKNOWN); may be repeated
 *   bad_name=unterminated|utf8   nvmlDeviceGetName fills its whole buffer without a NUL, or writes invalid UTF-8
 *   overlap_probe_us=N nvmlDeviceGetUtilizationRates takes N microseconds and answers NVML_ERROR_UNKNOWN when another
 *                      thread is inside it at the same time (to show that callers serialise their calls)
 * Tests load distinct copies of this file (glibc shares one library per path and inode), each beside its own
 * configuration, so copies in one process do not see each other's settings.
 *
 * Build: gcc -shared -fPIC -O2 -o libnvidia-ml.so.1 fake_nvml.c   (no -soname: glibc also shares by SONAME)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

typedef struct {
    char busIdLegacy[16];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pciDeviceId;
    unsigned int pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;

typedef struct {
    unsigned int gpu;
    unsigned int memory;
} nvmlUtilization_t;

typedef struct {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;

#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_UNKNOWN 999

#define MAX_FAILS 32

static int g_initialised;
static unsigned int g_count = 4;
static char g_fail_names[MAX_FAILS][64];
static int g_fail_codes[MAX_FAILS];
static int g_fails;
static char g_bad_name[32];
static unsigned int g_utilization_calls[1024];
static unsigned int g_overlap_probe_us;
static int g_in_utilization;

/* The PCI buses of a DGX A100's eight GPUs, repeated for larger counts. */
static const unsigned int k_buses[8] = {0x07, 0x0F, 0x47, 0x4E, 0x87, 0x90, 0xB7, 0xBD};

static void read_config(void)
{
    Dl_info info;
    char path[4096];
    char line[256];
    FILE *f;
    g_count = 4;
    g_fails = 0;
    g_bad_name[0] = 0;
    g_overlap_probe_us = 0;
    if (!dladdr((void *)read_config, &info) || !info.dli_fname) return;
    snprintf(path, sizeof path, "%s", info.dli_fname);
    char *slash = strrchr(path, '/');
    if (!slash) return;
    snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "fake_nvml.conf");
    f = fopen(path, "r");
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (strncmp(line, "count=", 6) == 0) {
            g_count = (unsigned int)strtoul(line + 6, NULL, 10);
        } else if (strncmp(line, "fail=", 5) == 0 && g_fails < MAX_FAILS) {
            char *colon = strchr(line + 5, ':');
            g_fail_codes[g_fails] = colon ? atoi(colon + 1) : NVML_ERROR_UNKNOWN;
            if (colon) *colon = 0;
            snprintf(g_fail_names[g_fails], sizeof g_fail_names[0], "%.63s", line + 5);
            g_fails++;
        } else if (strncmp(line, "overlap_probe_us=", 17) == 0) {
            g_overlap_probe_us = (unsigned int)strtoul(line + 17, NULL, 10);
        } else if (strncmp(line, "bad_name=", 9) == 0) {
            snprintf(g_bad_name, sizeof g_bad_name, "%.31s", line + 9);
        }
    }
    fclose(f);
}

static int failure(const char *name)
{
    for (int i = 0; i < g_fails; i++)
        if (strcmp(g_fail_names[i], name) == 0) return g_fail_codes[i];
    return NVML_SUCCESS;
}

#define FAIL_IF_ASKED(name)                 \
    do {                                    \
        int code_ = failure(name);          \
        if (code_ != NVML_SUCCESS) return code_; \
    } while (0)

/* A handle is its index plus one, so a handle from nowhere is refused. */
static int index_of(nvmlDevice_t device)
{
    uintptr_t v = (uintptr_t)device;
    if (v == 0 || v > g_count || v > 1024) return -1;
    return (int)(v - 1);
}

#define DEVICE_OR_FAIL(name)                                  \
    if (!g_initialised) return NVML_ERROR_UNINITIALIZED;      \
    FAIL_IF_ASKED(name);                                      \
    int i = index_of(device);                                 \
    if (i < 0) return NVML_ERROR_INVALID_ARGUMENT;

nvmlReturn_t nvmlInit_v2(void)
{
    read_config();
    FAIL_IF_ASKED("nvmlInit_v2");
    g_initialised = 1;
    memset(g_utilization_calls, 0, sizeof g_utilization_calls);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void)
{
    if (!g_initialised) return NVML_ERROR_UNINITIALIZED;
    g_initialised = 0;
    return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t result)
{
    switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case 9: return "Driver Not Loaded";
    default: return "Unknown Error";
    }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
    if (!g_initialised) return NVML_ERROR_UNINITIALIZED;
    FAIL_IF_ASKED("nvmlSystemGetDriverVersion");
    const char *v = "535.183.01";
    if (length < strlen(v) + 1) return NVML_ERROR_INSUFFICIENT_SIZE;
    strcpy(version, v);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (!g_initialised) return NVML_ERROR_UNINITIALIZED;
    FAIL_IF_ASKED("nvmlDeviceGetCount_v2");
    *count = g_count;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    if (!g_initialised) return NVML_ERROR_UNINITIALIZED;
    FAIL_IF_ASKED("nvmlDeviceGetHandleByIndex_v2");
    if (index >= g_count || index >= 1024) return NVML_ERROR_INVALID_ARGUMENT;
    *device = (nvmlDevice_t)(uintptr_t)(index + 1);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
    DEVICE_OR_FAIL("nvmlDeviceGetName");
    (void)i;
    if (strcmp(g_bad_name, "unterminated") == 0) {
        memset(name, 'A', length);
        return NVML_SUCCESS;
    }
    if (strcmp(g_bad_name, "utf8") == 0) {
        if (length < 8) return NVML_ERROR_INSUFFICIENT_SIZE;
        memcpy(name, "GPU \xff\xfe!", 8); /* 0xFF and 0xFE never occur in UTF-8 */
        return NVML_SUCCESS;
    }
    const char *n = "NVIDIA A100-SXM4-40GB";
    if (length < strlen(n) + 1) return NVML_ERROR_INSUFFICIENT_SIZE;
    strcpy(name, n);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci)
{
    DEVICE_OR_FAIL("nvmlDeviceGetPciInfo_v3");
    memset(pci, 0, sizeof *pci);
    pci->domain = (unsigned int)(i / 8);
    pci->bus = k_buses[i % 8];
    pci->device = 0;
    pci->pciDeviceId = 0x20B010DE;
    pci->pciSubSystemId = 0x134F10DE;
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:00.0", pci->domain, pci->bus);
    snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:00.0", pci->domain, pci->bus);
    return NVML_SUCCESS;
}

/* Utilisation moves with each call, as a busy GPU's does, so a test can see a later heartbeat's new figure. */
nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization)
{
    DEVICE_OR_FAIL("nvmlDeviceGetUtilizationRates");
    if (g_overlap_probe_us) {
        int overlapped = __atomic_fetch_add(&g_in_utilization, 1, __ATOMIC_SEQ_CST) != 0;
        usleep(g_overlap_probe_us);
        __atomic_fetch_sub(&g_in_utilization, 1, __ATOMIC_SEQ_CST);
        if (overlapped) return NVML_ERROR_UNKNOWN;
    }
    unsigned int call = g_utilization_calls[i]++;
    utilization->gpu = (unsigned int)(10 * i + call) % 101;
    utilization->memory = (unsigned int)(5 + 3 * i) % 101;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int *clock)
{
    DEVICE_OR_FAIL("nvmlDeviceGetClockInfo");
    switch (type) {
    case 0: *clock = 1410 - 15 * (unsigned int)(i % 8); return NVML_SUCCESS; /* graphics */
    case 1: *clock = 1410 - 15 * (unsigned int)(i % 8); return NVML_SUCCESS; /* SM */
    case 2: *clock = 1215; return NVML_SUCCESS;                              /* memory */
    case 3: *clock = 1275; return NVML_SUCCESS;                              /* video */
    default: return NVML_ERROR_INVALID_ARGUMENT;
    }
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory)
{
    DEVICE_OR_FAIL("nvmlDeviceGetMemoryInfo");
    const unsigned long long mib = 1024ULL * 1024ULL;
    memory->total = 40960ULL * mib;
    memory->used = (1024ULL + 512ULL * (unsigned long long)i) * mib;
    memory->free = memory->total - memory->used;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int *temp)
{
    DEVICE_OR_FAIL("nvmlDeviceGetTemperature");
    if (sensor != 0) return NVML_ERROR_INVALID_ARGUMENT;
    *temp = 31 + (unsigned int)i;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetFanSpeed(nvmlDevice_t device, unsigned int *speed)
{
    DEVICE_OR_FAIL("nvmlDeviceGetFanSpeed");
    *speed = 30 + 2 * (unsigned int)i;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
    DEVICE_OR_FAIL("nvmlDeviceGetPowerUsage");
    *power = 61000 + 1000 * (unsigned int)i;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit)
{
    DEVICE_OR_FAIL("nvmlDeviceGetEnforcedPowerLimit");
    (void)i;
    *limit = 400000;
    return NVML_SUCCESS;
}
