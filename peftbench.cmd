@echo off
rem PEFT Workbench launcher for Windows source checkouts: what ./peftbench does, in cmd. Picks a JDK >= 22,
rem builds on first use (or when sources changed), runs a command.
rem   peftbench.cmd --help        every command (one root: dev.peftbench.cli.PeftbenchCli)
rem   peftbench.cmd [ui]          the desktop workbench
rem   peftbench.cmd test          the whole test suite
rem   peftbench.cmd package       the installable app for this machine (.msi; docs\install.md)
setlocal EnableExtensions
set "root=%~dp0"
set "root=%root:~0,-1%"

call :pick_jdk || exit /b 1

set "cmd=%~1"
if "%cmd%"=="" set "cmd=ui"
if "%cmd%"=="test" (
  call "%root%\mvnw.cmd" -B -f "%root%\pom.xml" verify %2 %3 %4 %5 %6 %7 %8 %9
  exit /b %ERRORLEVEL%
)
if "%cmd%"=="package" (
  call "%root%\mvnw.cmd" -B -f "%root%\pom.xml" -Ppackage -pl packaging -am package -DskipTests %2 %3 %4 %5 %6 %7 %8 %9
  exit /b %ERRORLEVEL%
)

rem The CPU kernels use the Vector API (an incubator module); the cluster commands need none. No huge pages:
rem HotSpot has that flag on Linux only.
set "vector=--add-modules jdk.incubator.vector"
if "%cmd%"=="publish" set "vector="
if "%cmd%"=="image" set "vector="

set "target=%root%\cli\target"
set "cp_file=%target%\runtime-classpath.txt"
set "stamp=%target%\.peftbench-built"
set "argfile=%target%\peftbench-classpath.args"
call :needs_build
if not errorlevel 1 goto run
echo peftbench: building (first use or sources changed)... 1>&2
call "%root%\mvnw.cmd" -B -q -f "%root%\pom.xml" -DskipTests -pl cli -am package 1>&2 || exit /b 1
type nul > "%stamp%"
rem The classpath (~15 KB) is longer than a cmd line may be: java reads it from an argument file, whose quoted
rem paths need their backslashes doubled.
powershell -NoProfile -ExecutionPolicy Bypass -Command ^
  "$cp = '%target%\classes;' + (Get-Content -Raw '%cp_file%').Trim();" ^
  "[IO.File]::WriteAllText('%argfile%', '-cp \"' + $cp.Replace('\', '\\') + '\"')" || exit /b 1

:run
if "%~1"=="" (set "args=ui") else (set "args=%*")
"%JAVA_HOME%\bin\java.exe" %vector% --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true ^
  "-Dpeftbench.home=%root%" %PEFTBENCH_JAVA_OPTS% @"%argfile%" dev.peftbench.cli.PeftbenchCli %args%
exit /b %ERRORLEVEL%

:pick_jdk
rem JAVA_HOME when it is new enough, else the java on the PATH.
if defined JAVA_HOME if exist "%JAVA_HOME%\bin\java.exe" call :is_22 "%JAVA_HOME%\bin\java.exe" && exit /b 0
for /f "delims=" %%j in ('where java 2^>nul') do (
  call :is_22 "%%j" && (for %%h in ("%%~dpj..") do set "JAVA_HOME=%%~fh") && exit /b 0
)
echo peftbench: no JDK 22+ found; install one (e.g. Temurin 25) and set JAVA_HOME 1>&2
exit /b 1

:is_22
set "major="
for /f "tokens=2 delims==" %%v in ('"%~1" -XshowSettings:properties -version 2^>^&1 ^| findstr /c:"java.specification.version"') do set "major=%%v"
if not defined major exit /b 1
set "major=%major: =%"
for /f "tokens=1 delims=." %%m in ("%major%") do set "major=%%m"
if %major% GEQ 22 exit /b 0
exit /b 1

:needs_build
rem errorlevel 0 = build needed: nothing built yet, or a source newer than the last build.
if not exist "%cp_file%" exit /b 0
if not exist "%stamp%" exit /b 0
if not exist "%argfile%" exit /b 0
powershell -NoProfile -ExecutionPolicy Bypass -Command ^
  "$built = (Get-Item '%stamp%').LastWriteTime;" ^
  "$newer = Get-ChildItem -Path '%root%' -Recurse -File -Include *.java,pom.xml,*.proto,*.fxml,*.css |" ^
  "  Where-Object { $_.FullName -notmatch '\\target\\' -and $_.LastWriteTime -gt $built } | Select-Object -First 1;" ^
  "if ($newer) { exit 0 } else { exit 1 }"
exit /b %ERRORLEVEL%
