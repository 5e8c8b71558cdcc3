// eventmall on Jenkins: a scripted pipeline, read by the root Jenkinsfile with readTrusted
// (the trusted branch's copy) and evaluated inside node('docker') after `checkout scm` (a
// declarative `pipeline {}` block cannot be loaded from another file, a scripted one can).
//
// Use a Multibranch Pipeline job: pull requests (CHANGE_ID set) run check and plan;
// the main branch runs deploy, on every push and on "Build Now" (the manual trigger), and
// the scheduled checks (drift, preflight of tonight's drop) when its timer starts it, daily at
// 22:00 in the event's zone. Those change nothing and run as the read-only plan role, never the
// deployer: the plan role must trust the main branch job's subject too (extra_oidc_providers).
//
// AWS: the CI deployer role trusts OIDC identities only (terraform base stack). Jenkins
// gets one from the "OpenID Connect Provider" plugin (oidc-provider): a credential of
// kind "OpenID Connect id token", id eventmall-oidc-token, audience as registered in the
// base stack's extra_oidc_providers. ci/jenkins/aws-oidc.sh exchanges it for the role's
// short-lived credentials.
// Other credentials: eventmall-slack-bot-token ("Secret text").
// Environment (global or folder properties): AWS_DEPLOYER_ROLE_ARN, AWS_PLAN_ROLE_ARN,
// AWS_REGION, TF_STATE_BUCKET, TF_LOCK_TABLE, EVENTMALL_ENVIRONMENT, SLACK_CHANNEL.
// Pull requests get the read-only plan role and no Slack token; the deployer role trusts only
// the subject of the main branch's job (extra_oidc_providers), the plan role the PR jobs'.
//
// Every `sh` below uses single-quoted Groovy strings: the shell expands the variables,
// Groovy never interpolates a secret into the command line. Jenkins runs `sh` with
// xtrace on; the scripts that touch credentials turn it off first.

properties([disableConcurrentBuilds()] +
           (env.BRANCH_NAME == 'main' ? [pipelineTriggers([cron('TZ=Europe/Berlin\n0 22 * * *')])] : []))

// A build the timer started runs the scheduled checks instead of a deploy.
def scheduled = !currentBuild.getBuildCauses('hudson.triggers.TimerTrigger$TimerTriggerCause').isEmpty()

def oidcToken = string(credentialsId: 'eventmall-oidc-token', variable: 'AWS_WEB_IDENTITY_TOKEN')

// The CLI is built from its pinned source (ci/airgap/daggerbuild: go.mod names the
// release, go.sum the hash of every module), never piped from a download into a shell.
stage('Install Dagger') {
    sh '''
        GOTOOLCHAIN=auto go run ./ci/airgap cli --out "$HOME/.local/bin"
    '''
}

withEnv(["PATH+DAGGER=${env.HOME}/.local/bin"]) {
    if (env.CHANGE_ID) {
        stage('Check') {
            sh '''
                dagger call check
            '''
        }
        stage('Plan') {
            try {
                withCredentials([oidcToken]) {
                  withEnv(["AWS_ROLE_ARN=${env.AWS_PLAN_ROLE_ARN}"]) {
                    sh '''
                        set +x
                        AWS_ROLE_SESSION_NAME="eventmall-plan-$BUILD_NUMBER"; export AWS_ROLE_SESSION_NAME
                        . ci/jenkins/aws-oidc.sh
                        dagger call aws \
                          --access-key-id=env://AWS_ACCESS_KEY_ID \
                          --secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                          --session-token=env://AWS_SESSION_TOKEN \
                          --region="$AWS_REGION" \
                          environment \
                          --name="$EVENTMALL_ENVIRONMENT" \
                          --state-bucket="$TF_STATE_BUCKET" \
                          --lock-table="$TF_LOCK_TABLE" \
                          plan \
                          > plan.md
                    '''
                  }
                }
            } finally {
                archiveArtifacts artifacts: 'plan.md', allowEmptyArchive: true
            }
        }
    } else if (env.BRANCH_NAME == 'main' && scheduled) {
        def scheduledCredentials = [oidcToken, string(credentialsId: 'eventmall-slack-bot-token', variable: 'SLACK_BOT_TOKEN')]
        stage('Drift') {
            // Drift exits non-zero on drift; the preflight table still runs after it.
            catchError(buildResult: 'FAILURE', stageResult: 'FAILURE') {
                withCredentials(scheduledCredentials) {
                  withEnv(["AWS_ROLE_ARN=${env.AWS_PLAN_ROLE_ARN}"]) {
                    sh '''
                        set +x
                        AWS_ROLE_SESSION_NAME="eventmall-drift-$BUILD_NUMBER"; export AWS_ROLE_SESSION_NAME
                        . ci/jenkins/aws-oidc.sh
                        dagger call aws \
                          --access-key-id=env://AWS_ACCESS_KEY_ID \
                          --secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                          --session-token=env://AWS_SESSION_TOKEN \
                          --region="$AWS_REGION" \
                          environment \
                          --name="$EVENTMALL_ENVIRONMENT" \
                          --state-bucket="$TF_STATE_BUCKET" \
                          --lock-table="$TF_LOCK_TABLE" \
                          --slack-token=env://SLACK_BOT_TOKEN \
                          --slack-channel="$SLACK_CHANNEL" \
                          drift
                    '''
                  }
                }
            }
        }
        stage('Preflight') {
            withCredentials(scheduledCredentials) {
              withEnv(["AWS_ROLE_ARN=${env.AWS_PLAN_ROLE_ARN}", "EVENTMALL_DROP=tonight"]) {
                sh '''
                    set +x
                    AWS_ROLE_SESSION_NAME="eventmall-preflight-$BUILD_NUMBER"; export AWS_ROLE_SESSION_NAME
                    . ci/jenkins/aws-oidc.sh
                    dagger call aws \
                      --access-key-id=env://AWS_ACCESS_KEY_ID \
                      --secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                      --session-token=env://AWS_SESSION_TOKEN \
                      --region="$AWS_REGION" \
                      environment \
                      --name="$EVENTMALL_ENVIRONMENT" \
                      --state-bucket="$TF_STATE_BUCKET" \
                      --lock-table="$TF_LOCK_TABLE" \
                      --slack-token=env://SLACK_BOT_TOKEN \
                      --slack-channel="$SLACK_CHANNEL" \
                      preflight \
                      --drop="$EVENTMALL_DROP"
                '''
              }
            }
        }
    } else if (env.BRANCH_NAME == 'main') {
        stage('Deploy') {
            withCredentials([oidcToken,
                             string(credentialsId: 'eventmall-slack-bot-token', variable: 'SLACK_BOT_TOKEN')]) {
              withEnv(["AWS_ROLE_ARN=${env.AWS_DEPLOYER_ROLE_ARN}"]) {
                sh '''
                    set +x
                    AWS_ROLE_SESSION_NAME="eventmall-deploy-$BUILD_NUMBER"; export AWS_ROLE_SESSION_NAME
                    . ci/jenkins/aws-oidc.sh
                    dagger call aws \
                      --access-key-id=env://AWS_ACCESS_KEY_ID \
                      --secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                      --session-token=env://AWS_SESSION_TOKEN \
                      --region="$AWS_REGION" \
                      environment \
                      --name="$EVENTMALL_ENVIRONMENT" \
                      --state-bucket="$TF_STATE_BUCKET" \
                      --lock-table="$TF_LOCK_TABLE" \
                      --slack-token=env://SLACK_BOT_TOKEN \
                      --slack-channel="$SLACK_CHANNEL" \
                      deploy \
                      summary
                '''
              }
            }
        }
    } else {
        echo "eventmall: branch ${env.BRANCH_NAME} is neither a pull request nor main; nothing to do."
    }
}
