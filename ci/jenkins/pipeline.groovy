// eventmall on Jenkins: a scripted pipeline, read by the root Jenkinsfile with readTrusted
// (the trusted branch's copy) and evaluated inside node('docker') after `checkout scm` (a
// declarative `pipeline {}` block cannot be loaded from another file, a scripted one can).
//
// Use a Multibranch Pipeline job: pull requests (CHANGE_ID set) run check and plan;
// the main branch runs deploy, on every push and on "Build Now" (the manual trigger).
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

properties([disableConcurrentBuilds()])

def oidcToken = string(credentialsId: 'eventmall-oidc-token', variable: 'AWS_WEB_IDENTITY_TOKEN')

stage('Install Dagger') {
    sh '''
        curl -fsSL https://dl.dagger.io/dagger/install.sh | BIN_DIR="$HOME/.local/bin" DAGGER_VERSION=0.19.7 sh
        "$HOME/.local/bin/dagger" version
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
                        dagger call plan \
                          --aws-access-key-id=env://AWS_ACCESS_KEY_ID \
                          --aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                          --aws-session-token=env://AWS_SESSION_TOKEN \
                          --region="$AWS_REGION" \
                          --state-bucket="$TF_STATE_BUCKET" \
                          --lock-table="$TF_LOCK_TABLE" \
                          --environment="$EVENTMALL_ENVIRONMENT" \
                          > plan.md
                    '''
                  }
                }
            } finally {
                archiveArtifacts artifacts: 'plan.md', allowEmptyArchive: true
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
                    dagger call deploy \
                      --aws-access-key-id=env://AWS_ACCESS_KEY_ID \
                      --aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                      --aws-session-token=env://AWS_SESSION_TOKEN \
                      --region="$AWS_REGION" \
                      --state-bucket="$TF_STATE_BUCKET" \
                      --lock-table="$TF_LOCK_TABLE" \
                      --environment="$EVENTMALL_ENVIRONMENT" \
                      --slack-token=env://SLACK_BOT_TOKEN \
                      --slack-channel="$SLACK_CHANNEL"
                '''
              }
            }
        }
    } else {
        echo "eventmall: branch ${env.BRANCH_NAME} is neither a pull request nor main; nothing to do."
    }
}
