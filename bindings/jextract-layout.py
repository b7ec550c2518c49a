#!/usr/bin/env python3
"""Writes the CUDA header classes of src/main/java/dev/saestitch/bindings/cuda in jextract 22's
layout, for machines without jextract (see README.md, "Manual deviations"). Each class binds
exactly the --include-function / --include-constant lines of its src/main/jextract/NAME.symbols;
the C prototypes come from native/src/saestitch_kernels.h for our kernels and from the table
below (copied from CUDA 13's cuda_runtime_api.h, driver_types.h, library_types.h and
cublas_api.h) for cudart and cuBLAS. Usage: bindings/jextract-layout.py (from anywhere)."""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGE_DIR = os.path.join(HERE, "src/main/java/dev/saestitch/bindings/cuda")

CUDA_PROTOTYPES = """
cudaError_t cudaGetDeviceCount(int *count);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attr, int device);
cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *prop, int device);
cudaError_t cudaMalloc(void **devPtr, size_t size);
cudaError_t cudaFree(void *devPtr);
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind, cudaStream_t stream);
cudaError_t cudaMemsetAsync(void *devPtr, int value, size_t count, cudaStream_t stream);
cudaError_t cudaStreamCreate(cudaStream_t *pStream);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
const char *cudaGetErrorString(cudaError_t error);
const char *cudaGetErrorName(cudaError_t error);
cudaError_t cudaGetLastError(void);
cudaError_t cudaMemGetInfo(size_t *free, size_t *total);
cudaError_t cudaRuntimeGetVersion(int *runtimeVersion);
cudaError_t cudaDriverGetVersion(int *driverVersion);
cublasStatus_t cublasCreate_v2(cublasHandle_t *handle);
cublasStatus_t cublasDestroy_v2(cublasHandle_t handle);
cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId);
cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version);
const char *cublasGetStatusString(cublasStatus_t status);
const char *cublasGetStatusName(cublasStatus_t status);
cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, const void *B, cudaDataType Btype, int ldb, const void *beta, void *C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType, cublasGemmAlgo_t algo);
"""

# name: (value, the C declaration jextract quotes)
CONSTANTS = {
    "cudaSuccess": (0, "enum cudaError.cudaSuccess = 0"),
    "cudaMemcpyHostToDevice": (1, "enum cudaMemcpyKind.cudaMemcpyHostToDevice = 1"),
    "cudaMemcpyDeviceToHost": (2, "enum cudaMemcpyKind.cudaMemcpyDeviceToHost = 2"),
    "cudaMemcpyDeviceToDevice": (3, "enum cudaMemcpyKind.cudaMemcpyDeviceToDevice = 3"),
    "cudaDevAttrMultiProcessorCount": (16, "enum cudaDeviceAttr.cudaDevAttrMultiProcessorCount = 16"),
    "cudaDevAttrComputeCapabilityMajor": (75, "enum cudaDeviceAttr.cudaDevAttrComputeCapabilityMajor = 75"),
    "cudaDevAttrComputeCapabilityMinor": (76, "enum cudaDeviceAttr.cudaDevAttrComputeCapabilityMinor = 76"),
    "CUBLAS_STATUS_SUCCESS": (0, "enum .CUBLAS_STATUS_SUCCESS = 0"),
    "CUBLAS_OP_N": (0, "enum .CUBLAS_OP_N = 0"),
    "CUBLAS_OP_T": (1, "enum .CUBLAS_OP_T = 1"),
    "CUDA_R_32F": (0, "enum cudaDataType_t.CUDA_R_32F = 0"),
    "CUBLAS_COMPUTE_32F": (68, "enum .CUBLAS_COMPUTE_32F = 68"),
    "CUBLAS_COMPUTE_32F_FAST_16BF": (75, "enum .CUBLAS_COMPUTE_32F_FAST_16BF = 75"),
    "CUBLAS_COMPUTE_32F_FAST_TF32": (77, "enum .CUBLAS_COMPUTE_32F_FAST_TF32 = 77"),
    "CUBLAS_GEMM_DEFAULT": (-1, "enum .CUBLAS_GEMM_DEFAULT = -1"),
}

INT_TYPES = {"int", "int32_t", "cudaError_t", "cublasStatus_t", "cublasOperation_t", "cudaDataType",
             "cublasComputeType_t", "cublasGemmAlgo_t", "enum cudaDeviceAttr", "enum cudaMemcpyKind"}
LONG_TYPES = {"int64_t", "size_t"}


def layout(ctype):
    """(jextract layout name, Java type) of a C type."""
    t = " ".join(ctype.replace("const ", "").split())
    if t.endswith("*") or t in ("cudaStream_t", "cublasHandle_t"):
        return "C_POINTER", "MemorySegment"
    if t in INT_TYPES:
        return "C_INT", "int"
    if t in LONG_TYPES:
        return "C_LONG", "long"
    if t == "float":
        return "C_FLOAT", "float"
    if t == "double":
        return "C_DOUBLE", "double"
    if t == "void":
        return None, "void"
    sys.exit(f"jextract-layout: no layout for C type '{ctype}'")


def c_decl(ctype, name):
    """'float* x' as clang prints it: 'float *x'."""
    base = ctype.rstrip("* ")
    return base + " " + "*" * (len(ctype) - len(ctype.rstrip("*"))) + name


def parse(text):
    """name -> (return type, [(param type, name)], declaration as jextract prints it)."""
    out = {}
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for m in re.finditer(r"^([A-Za-z_][\w ]*?[\s*]+)(\w+)\s*\(([^)]*)\)\s*;", text, flags=re.M):
        ret, name, params = m.group(1).strip(), m.group(2), m.group(3).strip()
        plist = []
        if params and params != "void":
            for p in params.split(","):
                p = " ".join(p.split())
                pm = re.match(r"(.*?[\s*])(\w+)$", p)
                plist.append((pm.group(1).strip(), pm.group(2)))
        decl = c_decl(ret, name) + "(" + ", ".join(c_decl(t, n) for t, n in plist) + ")"
        out[name] = (ret, plist, decl)
    return out


def symbols(name):
    functions, constants, opts = [], [], {}
    with open(os.path.join(HERE, "src/main/jextract", name + ".symbols")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            k, v = line.split()
            if k == "--include-function":
                functions.append(v)
            elif k == "--include-constant":
                constants.append(v)
            else:
                opts[k] = v
    return opts, functions, constants


PROLOGUE = """// Generated by jextract (hand-written in its layout: see bindings/README.md for the deviations)

package dev.saestitch.bindings.cuda;

import java.lang.invoke.*;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;

import static java.lang.foreign.ValueLayout.*;
import static java.lang.foreign.MemoryLayout.PathElement.*;

public class {H} {

    {H}() {
        // Should not be called directly
    }

    static final boolean TRACE_DOWNCALLS = Boolean.getBoolean("jextract.trace.downcalls");

    static void traceDowncall(String name, Object... args) {
         String traceArgs = Arrays.stream(args)
                       .map(Object::toString)
                       .collect(Collectors.joining(", "));
         System.out.printf("%s(%s)\\n", name, traceArgs);
    }

    static MemorySegment findOrThrow(String symbol) {
        return SYMBOL_LOOKUP.find(symbol)
            .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
    }

    // DEVIATION: jextract opens System.mapLibraryName("{LIB}") in an automatic arena; we open
    // the library CudaLibraries located (see its class comment), once, and keep why it failed.
    static final SymbolLookup SYMBOL_LOOKUP = CudaLibraries.{LOADER}().lookup();

    public static final ValueLayout.OfBoolean C_BOOL = ValueLayout.JAVA_BOOLEAN;
    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, JAVA_BYTE));
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
"""


def function(h, name, proto):
    ret, params, decl = proto
    rl, rj = layout(ret)
    pls = [layout(t) for t, _ in params]
    if rl is None:
        desc = "FunctionDescriptor.ofVoid(\n" + ",\n".join(f"            {h}.{l}" for l, _ in pls) + "\n        );"
    elif pls:
        desc = "FunctionDescriptor.of(\n" + ",\n".join(f"            {h}.{l}" for l in [rl] + [l for l, _ in pls]) + "\n        );"
    else:
        desc = f"FunctionDescriptor.of(\n            {h}.{rl}    );"
    snippet = f"""     * {{@snippet lang=c :
     * {decl}
     * }}"""
    jparams = ", ".join(f"{j} {n}" for (_, j), (_, n) in zip(pls, params))
    args = ", ".join(n for _, n in params)
    trace_args = ("\"" + name + "\"") + (", " + args if args else "")
    call = f"mh$.invokeExact({args});" if rj == "void" else f"return ({rj})mh$.invokeExact({args});"
    return f"""
    private static class {name} {{
        public static final FunctionDescriptor DESC = {desc}

        public static final MemorySegment ADDR = {h}.findOrThrow("{name}");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }}

    /**
     * Function descriptor for:
{snippet}
     */
    public static FunctionDescriptor {name}$descriptor() {{
        return {name}.DESC;
    }}

    /**
     * Downcall method handle for:
{snippet}
     */
    public static MethodHandle {name}$handle() {{
        return {name}.HANDLE;
    }}

    /**
     * Address for:
{snippet}
     */
    public static MemorySegment {name}$address() {{
        return {name}.ADDR;
    }}

    /**
{snippet}
     */
    public static {rj} {name}({jparams}) {{
        var mh$ = {name}.HANDLE;
        try {{
            if (TRACE_DOWNCALLS) {{
                traceDowncall({trace_args});
            }}
            {call}
        }} catch (Error | RuntimeException ex) {{
           throw ex;
        }} catch (Throwable ex$) {{
           throw new AssertionError("should not reach here", ex$);
        }}
    }}
"""


def constant(name):
    value, decl = CONSTANTS[name]
    return f"""    private static final int {name} = (int){value}L;
    /**
     * {{@snippet lang=c :
     * {decl}
     * }}
     */
    public static int {name}() {{
        return {name};
    }}
"""


def write(symbols_name, loader, prototypes):
    opts, functions, constants = symbols(symbols_name)
    h = opts["--header-class-name"]
    body = PROLOGUE.replace("{H}", h).replace("{LIB}", opts["--library"]).replace("{LOADER}", loader)
    for f in functions:
        if f not in prototypes:
            sys.exit(f"jextract-layout: {symbols_name}.symbols names {f}, which has no prototype")
        body += function(h, f, prototypes[f])
    for c in constants:
        body += constant(c)
    body += "}\n"
    path = os.path.join(PACKAGE_DIR, h + ".java")
    with open(path, "w") as f:
        f.write(body)
    print("wrote", os.path.relpath(path, ROOT))


cuda = parse(CUDA_PROTOTYPES)
with open(os.path.join(ROOT, "native/src/saestitch_kernels.h")) as f:
    kernels = parse(f.read())
write("cudart", "cudart", cuda)
write("cublas", "cublas", cuda)
write("saestitch_kernels", "kernels", kernels)
