package io.lb4j.appliance;

/** Appliance files the tests share: add a section of their own after {@link #oneService}. */
final class ApplianceFiles {

    private ApplianceFiles() {
    }

    /**
     * The proxy engine on one I/O thread and one service, ECHO: VIP 127.0.0.1:{vipPort} forwarding to 127.0.0.1:
     * {backendPort}, without health checks. Ends with a newline.
     */
    static String oneService(int vipPort, int backendPort) {
        return """
                engine: { type: proxy, ioThreads: 1 }
                services:
                  - label: ECHO
                    address: 127.0.0.1
                    ports: [%d]
                    healthCheck: none
                    realServers:
                      - { label: main, address: 127.0.0.1, port: %d }
                """.formatted(vipPort, backendPort);
    }
}
