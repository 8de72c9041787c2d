# stampede in a container: a static binary on distroless, run as a non-root user.
#
#   docker build -t stampede .                      # GOPROXY from --build-arg, else proxy.golang.org
#   docker build --build-arg VERSION=v1.2.3 -t stampede:v1.2.3 .
#   docker build --target shell -t stampede:shell .  # with busybox sh, for examples/kubernetes
#   docker run --rm -p 8080:8080 stampede           # the reference server on :8080
#   docker run --rm stampede check --target http://host.docker.internal:8080
#   docker run --rm -v "$PWD:/work" -w /work stampede run echo-baseline --target http://server:8080 --out /work/run.json
#
# The image is `stampede`: ENTRYPOINT is the binary, CMD its default command.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
ARG GOPROXY=https://proxy.golang.org,direct
ARG VERSION=dev
ENV GOPROXY=${GOPROXY} CGO_ENABLED=0 GOFLAGS=-buildvcs=false
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/stampede ./cmd/stampede \
 && /out/stampede version

# `--target shell`: the same, on distroless's debug image, whose busybox
# /busybox/sh lets a Kubernetes Indexed Job compute its --segment
# (examples/kubernetes). Not built unless asked for.
FROM gcr.io/distroless/static-debian12:debug-nonroot AS shell
COPY --from=build /out/stampede /usr/local/bin/stampede
USER nonroot:nonroot
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/stampede"]
CMD ["version"]

# The default image. distroless/static: no shell, no libc, CA certificates
# and a passwd entry for the nonroot user (uid 65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/stampede /usr/local/bin/stampede
USER nonroot:nonroot
WORKDIR /home/nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/stampede"]
# serve listens on 127.0.0.1 by default, unreachable from outside a container.
CMD ["serve", "--addr", "0.0.0.0:8080"]
