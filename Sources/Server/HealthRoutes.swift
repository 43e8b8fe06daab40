import Hummingbird
import Platform

/// `/healthz` (the process answers), `/livez` (alias) and `/readyz` (storage answers a read).
struct HealthRoutes {
    let node: DataDirectory

    func register(on router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ in "healthz check passed" }
        router.get("livez") { _, _ in "healthz check passed" }
        router.get("readyz") { _, _ -> Response in
            if node.isReady() {
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "all shards are ready")))
            }
            return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "storage is not ready")))
        }
    }
}
