@echo off
rem xlperf uninstaller: runs uninstall.ps1 from this folder with Windows
rem PowerShell (execution policy bypass for this one process only).
rem Extra arguments are passed on, e.g.:  uninstall.bat -KeepXlwingsAddin
setlocal
set "XLPERF_PS=%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe"
if not exist "%XLPERF_PS%" set "XLPERF_PS=powershell.exe"
"%XLPERF_PS%" -NoLogo -NoProfile -ExecutionPolicy Bypass -File "%~dp0uninstall.ps1" %*
set "XLPERF_RC=%ERRORLEVEL%"
echo.
if not "%XLPERF_NO_PAUSE%"=="1" pause
exit /b %XLPERF_RC%
