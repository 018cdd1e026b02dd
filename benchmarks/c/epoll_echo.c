/* The C reference of the suite's echo part (suite/EchoPart.java): a single-threaded, level-triggered
 * epoll echo server, the floor the Java servers are compared with (server CPU per message).
 * Usage: epoll_echo [port] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 7100;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001)};
    if (bind(l, (void *) &a, sizeof a) || listen(l, 1024)) { perror("bind"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l}, evs[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    printf("listening on 127.0.0.1:%d\n", port); fflush(stdout);
    static char buf[65536];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == l) {
                int c;
                while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) { ev.events = EPOLLIN; ev.data.fd = c; epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev); }
            } else {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r <= 0) { if (r == 0 || errno != EAGAIN) close(fd); continue; }
                ssize_t off = 0;
                while (off < r) { ssize_t w = write(fd, buf + off, r - off); if (w < 0) { if (errno == EAGAIN) continue; break; } off += w; }
            }
        }
    }
}
