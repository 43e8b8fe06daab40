import CBLAS

/// The OpenBLAS kernel set this process runs (the encoder's large products and exact dense search).
public enum BLASKernels {
    /// OpenBLAS's name for the kernels in use ("SkylakeX", "Haswell", "Prescott", …).
    public static var current: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// Replaces a fallback kernel set that lacks the CPU's AVX2/AVX-512 (OpenBLAS 0.3.21 gives a CPU it
    /// does not know by model number, such as a VM's generic "Intel Xeon Processor", its SSE3 "Prescott"
    /// kernels, ~3.7× slower for the encoder) unless `OPENBLAS_CORETYPE` says otherwise: see
    /// `campus_blas_select_kernels`. Call once at start-up, before any thread uses BLAS.
    /// Returns the kernels now in use when it changed them, nil when it left them alone.
    @discardableResult
    public static func selectForThisCPU() -> String? {
        campus_blas_select_kernels().map { String(cString: $0) }
    }
}
