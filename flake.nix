{
  description = "Executive Analytics Assistant: the pinned toolchain for development, CI and deploys";

  # One input, pinned in flake.lock (nixos-26.05). Everything else derives from it, so the lock
  # has a single node to review and `nix flake metadata --offline` can check it.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # Python 3.11: the same minor as .python-version, requires-python and the deploy.
      pythonFor = pkgs: pkgs.python311;

      tools = pkgs: [
        (pythonFor pkgs)
        pkgs.uv
        pkgs.python311Packages.nox # the test runner (pkgs.nox is an unrelated Nix helper)
        pkgs.ruff
        pkgs.postgresql_18 # initdb, pg_ctl, postgres: the tests' throwaway server (Railway runs 18)
        pkgs.libpq # the client library, for psycopg's non-binary build
        pkgs.mariadb # mariadb-install-db, mariadbd: the tests' throwaway MySQL-family server
        pkgs.actionlint
        pkgs.nodejs # renders .railway/railway.ts with the Railway SDK (tests, deploy job)
      ];

      # uv uses the flake's interpreter and never downloads one; the test harness finds the
      # PostgreSQL server through PG_BINDIR before any other candidate.
      toolEnv = pkgs: {
        UV_PYTHON = (pythonFor pkgs).interpreter;
        UV_PYTHON_DOWNLOADS = "never";
        PG_BINDIR = "${pkgs.postgresql_18}/bin";
      };

      # Prebuilt manylinux wheels (psycopg-binary, uvloop, numpy...) load these from the loader path.
      wheelLibs =
        pkgs:
        pkgs.lib.optionalAttrs pkgs.stdenv.isLinux {
          LD_LIBRARY_PATH = pkgs.lib.makeLibraryPath [
            pkgs.stdenv.cc.cc.lib
            pkgs.zlib
          ];
        };

      devShell =
        pkgs:
        pkgs.mkShell {
          name = "eaa-dev";
          packages = tools pkgs;
          env = toolEnv pkgs // wheelLibs pkgs;
          shellHook = ''
            unset PYTHONPATH
          '';
        };

      # Optional CLIs: upstream moved on from Nixpacks (Railpack) and the Railway CLI is a fast
      # mover, so the deploy shell still evaluates if a release drops either attribute.
      optionalTool = pkgs: name: pkgs.lib.optional (builtins.hasAttr name pkgs) pkgs.${name};
    in
    {
      devShells = forAllSystems (pkgs: {
        default = devShell pkgs;
        # Nixpacks for other Nixpacks hosts (docs/deploy.md, path (c)) and a Railway CLI for
        # manual work; the deploy job uses the CLI locked in .railway (IaC needs >= 5.42.1).
        deploy = pkgs.mkShell {
          name = "eaa-deploy";
          packages = optionalTool pkgs "railway" ++ optionalTool pkgs "nixpacks";
        };
      });

      # `nix fmt`: nixfmt (RFC 166 style) over the whole tree.
      formatter = forAllSystems (pkgs: pkgs.nixfmt-tree);

      checks = forAllSystems (pkgs: {
        # Pure: ruff needs nothing but the source (read-only store, hence --no-cache).
        lint =
          pkgs.runCommand "eaa-lint"
            {
              nativeBuildInputs = [ pkgs.ruff ];
            }
            ''
              cd ${self}
              ruff check --no-cache .
              ruff format --check --no-cache .
              touch $out
            '';
        # The suite installs the locked wheels with uv, so it needs the network: run it with
        # `--option sandbox false` (CI runs the same thing as `nix develop -c nox -s tests`).
        tests =
          pkgs.runCommand "eaa-tests"
            (
              {
                nativeBuildInputs = tools pkgs;
              }
              // toolEnv pkgs
              // wheelLibs pkgs
            )
            ''
              cp -r ${self} source
              chmod -R u+w source
              cd source
              export HOME=$TMPDIR UV_CACHE_DIR=$TMPDIR/uv-cache
              nox -s tests
              touch $out
            '';
      });
    };
}
