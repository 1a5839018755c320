{
  # A stand-in for nixpkgs, just big enough to evaluate this repository's flake offline: the
  # Nix available to the test suite (2.8) cannot evaluate real nixpkgs, which needs Nix >= 2.18.
  # Every package is an empty derivation with the attribute name the real nixpkgs uses, so a
  # typo in flake.nix (e.g. `pkgs.postgres_16`) still fails evaluation here.
  description = "stub nixpkgs for offline flake evaluation tests";

  outputs =
    { self }:
    let
      lib = {
        genAttrs =
          names: f:
          builtins.listToAttrs (
            map (name: {
              inherit name;
              value = f name;
            }) names
          );
        optional = cond: item: if cond then [ item ] else [ ];
        optionalAttrs = cond: attrs: if cond then attrs else { };
        makeLibraryPath = drvs: builtins.concatStringsSep ":" (map (drv: "${drv}/lib") drvs);
      };

      packagesFor =
        system:
        let
          fake =
            name:
            derivation {
              inherit name system;
              builder = "/bin/sh";
              args = [
                "-c"
                "echo stub > $out"
              ];
            };
          python311 = fake "python3-3.11-stub" // {
            interpreter = "${fake "python3-3.11-stub"}/bin/python3.11";
          };
        in
        {
          inherit lib python311;
          python311Packages.nox = fake "nox-stub";
          uv = fake "uv-stub";
          ruff = fake "ruff-stub";
          postgresql_18 = fake "postgresql-18-stub";
          libpq = fake "libpq-stub";
          mariadb = fake "mariadb-stub";
          actionlint = fake "actionlint-stub";
          nodejs = fake "nodejs-stub";
          railway = fake "railway-stub";
          nixpacks = fake "nixpacks-stub";
          nixfmt-tree = fake "nixfmt-tree-stub";
          zlib = fake "zlib-stub";
          stdenv = {
            isLinux = builtins.match ".*-linux" system != null;
            cc.cc.lib = fake "gcc-lib-stub";
          };
          mkShell =
            {
              name,
              packages ? [ ],
              env ? { },
              shellHook ? "",
            }:
            derivation (
              env
              // {
                inherit name system shellHook;
                builder = "/bin/sh";
                args = [
                  "-c"
                  "echo shell > $out"
                ];
                packages = map toString packages;
              }
            );
          runCommand =
            name: attrs: script:
            derivation (
              removeAttrs attrs [ "nativeBuildInputs" ]
              // {
                inherit name system;
                builder = "/bin/sh";
                args = [
                  "-c"
                  "echo check > $out"
                ];
                tools = map toString (attrs.nativeBuildInputs or [ ]);
                inherit script;
              }
            );
        };
    in
    {
      inherit lib;
      legacyPackages = lib.genAttrs [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ] packagesFor;
    };
}
