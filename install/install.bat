@echo off
rem xlperf installer (budget performance self-evaluation add-in for Excel).
rem Runs install.ps1 from this folder with Windows PowerShell. The execution
rem policy bypass applies to this one PowerShell process only; no system
rem setting is changed and no administrator rights are needed.
rem Extra arguments are passed on, e.g.:  install.bat -Proxy http://proxy:8080
setlocal
set "XLPERF_PS=%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe"
if not exist "%XLPERF_PS%" set "XLPERF_PS=powershell.exe"
"%XLPERF_PS%" -NoLogo -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" %*
set "XLPERF_RC=%ERRORLEVEL%"
if "%XLPERF_RC%"=="0" goto :done
rem A Group Policy execution policy (MachinePolicy/UserPolicy) overrides -ExecutionPolicy Bypass:
rem PowerShell then refuses install.ps1 before it can say anything. Say so (a -Command string is
rem not a script file, so the policy does not stop it).
"%XLPERF_PS%" -NoLogo -NoProfile -Command "$p = @('MachinePolicy','UserPolicy') | Where-Object { (Get-ExecutionPolicy -Scope $_) -ne 'Undefined' }; if ($p) { Write-Host ''; Write-Host ('The PowerShell execution policy is set by Group Policy (' + ($p -join ', ') + '), which -ExecutionPolicy Bypass cannot override.') -ForegroundColor Yellow; Write-Host 'Ask your IT administrator to sign install.ps1 or to allow it: see the Group Policy part of the installation guide (.md) in this folder.' -ForegroundColor Yellow }"
:done
echo.
if not "%XLPERF_NO_PAUSE%"=="1" pause
exit /b %XLPERF_RC%
