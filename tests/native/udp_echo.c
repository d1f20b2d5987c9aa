/* A UDP echo server for the port-forward tests: every datagram to the port in argv[1] goes back to its sender,
   prefixed with "echo:". Built static (gcc -static) so that it runs in the busybox image, whose nc has no UDP. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: udp_echo PORT\n"); return 2; }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) { perror("socket"); return 1; }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((unsigned short)atoi(argv[1]));
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); return 1; }
    printf("listening on udp %s\n", argv[1]);
    fflush(stdout);
    static char in[65536], out[65536 + 5];
    for (;;) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, in, sizeof in, 0, (struct sockaddr *)&peer, &len);
        if (n < 0) continue;
        if (n > (ssize_t)(sizeof out - 5)) n = sizeof out - 5;
        memcpy(out, "echo:", 5);
        memcpy(out + 5, in, (size_t)n);
        sendto(fd, out, (size_t)n + 5, 0, (struct sockaddr *)&peer, len);
    }
}
